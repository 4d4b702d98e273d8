import type { SNSClient } from '@aws-sdk/client-sns';
import type { Config } from '#shared/config/schema';
import type { Log } from '#shared/runtime/log';
import type { SecretLoader } from '#shared/vendors/readers';
import { ChatbotPublisher } from './chatbot';
import { IncidentHttp } from './incident-http';
import { OpsgeniePublisher } from './opsgenie';
import { PagerDutyPublisher } from './pagerduty';
import { SnsPublisher, TargetPublisher } from './publishers';

/**
 * Every channel target's publisher, as the functions, the CLI and the demo send: SNS topics (email
 * and SMS, from the two-way number when there is one), the chat topics AWS Chatbot reads, and
 * PagerDuty and Opsgenie over HTTP with their keys from `loadSecret`.
 */
export function targetPublisher(opts: {
  config: Config;
  sns: SNSClient;
  /** Channel id -> topic ARN, and `<id>:chat` -> its chat topic. */
  topics: Record<string, string>;
  loadSecret: SecretLoader;
  log: Log;
}): TargetPublisher {
  const { config, sns, topics, loadSecret, log } = opts;
  const http = new IncidentHttp();
  return new TargetPublisher({
    sns: new SnsPublisher(sns, topics, { originationNumber: config.sms?.twoWay?.originationNumber }),
    chat: new ChatbotPublisher(sns, topics),
    pagerduty: new PagerDutyPublisher({ loadSecret, log, http }),
    opsgenie: new OpsgeniePublisher({ loadSecret, log, http }),
  });
}
