import '#shared/runtime/source-mapped';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { handleInboundEvent, snsSmsSender } from '#shared/ack/sms-reply';
import { FN } from '#shared/contracts/names';
import { smsReplyRuntimeFromEnv } from '#shared/runtime/env';
import { makeLogger } from '#shared/runtime/observability';
import { Store } from '#shared/store/store';

const logger = makeLogger(FN.smsReply);
const runtime = smsReplyRuntimeFromEnv();
const store = new Store(new DynamoDBClient({}), runtime.table, logger);
const send = snsSmsSender(new SNSClient({}), runtime.originationNumber);

export const handler = async (event: unknown) => {
  const report = await handleInboundEvent(event, {
    store,
    config: runtime.config,
    originationNumber: runtime.originationNumber,
    now: Date.now,
    send,
    log: logger,
  });
  // a failure (DynamoDB, SNS) fails the invocation: Lambda tries the event again (an ack twice is
  // harmless); malformed records never succeed and are not retried
  if (report.failed.length)
    throw new Error(`${report.failed.length} inbound SMS not handled: ${report.failed.map((f) => f.error).join('; ')}`);
  return { handled: report.handled.length, malformed: report.malformed.length };
};
