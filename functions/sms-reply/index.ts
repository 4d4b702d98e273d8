import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { handleInboundEvent, snsSmsSender } from '#shared/ack/sms-reply';
import { parseConfig } from '#shared/config/parse';
import { ENV, FN } from '#shared/contracts/names';
import { formatIssues } from '#shared/model/issues';
import { makeLogger } from '#shared/runtime/observability';
import { Store } from '#shared/store/store';

/** The config (inlined at synth: its sms.twoWay names the number replies come from) and the table. */
const EnvSchema = z.object({ [ENV.config]: z.string().min(2), [ENV.table]: z.string().min(3) });

function runtimeFromEnv(env: Record<string, string | undefined> = { ...process.env, [ENV.config]: process.env.CCWATCH_CONFIG }) {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`function environment is incomplete: ${formatIssues(parsed.error).join('; ')}`);
  const config = parseConfig(JSON.parse(parsed.data[ENV.config]), ENV.config);
  const originationNumber = config.sms?.twoWay?.originationNumber;
  if (!originationNumber) throw new Error('config has no sms.twoWay.originationNumber: this function is deployed only with it');
  return { config, table: parsed.data[ENV.table], originationNumber };
}

const logger = makeLogger(FN.smsReply);
const runtime = runtimeFromEnv();
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
