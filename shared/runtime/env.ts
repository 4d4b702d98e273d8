import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { type Config, parseConfig } from '#shared/config/parse';
import { ENV } from '#shared/contracts/names';
import { formatIssues } from '#shared/model/issues';

/**
 * What a deployed function is told by its environment. The config is inlined into the bundle at
 * synth (already validated there) and checked again here; topic ARNs, the table name and the
 * acknowledge endpoint are plain environment values. No secret is ever in the environment: the
 * ack key is named by its Secrets Manager id.
 */
const EnvSchema = z.object({
  [ENV.config]: z.string().min(2),
  [ENV.table]: z.string().min(3),
  [ENV.topics]: z.string().transform((s, ctx) => {
    try {
      return z.record(z.string(), z.string()).parse(JSON.parse(s));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON object of channel id -> topic ARN' });
      return z.NEVER;
    }
  }),
  [ENV.ackUrl]: z.url().optional(),
  [ENV.ackSecret]: z.string().min(1).optional(),
});

export interface Runtime {
  config: Config;
  table: string;
  topics: Record<string, string>;
  /** Where acknowledge links point and the secret id of their signing key, when deployed with the endpoint. */
  ack?: { url: string; secretId: string } | undefined;
  ddb: DynamoDBClient;
  sns: SNSClient;
}

/** Read member by member: the bundler replaces the literal `process.env.CCWATCH_CONFIG` with the synthesized config. */
function currentEnv(): Record<string, string | undefined> {
  return {
    [ENV.config]: process.env.CCWATCH_CONFIG,
    [ENV.table]: process.env[ENV.table],
    [ENV.topics]: process.env[ENV.topics],
    [ENV.ackUrl]: process.env[ENV.ackUrl],
    [ENV.ackSecret]: process.env[ENV.ackSecret],
  };
}

export function runtimeFromEnv(env: Record<string, string | undefined> = currentEnv()): Runtime {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`function environment is incomplete: ${formatIssues(parsed.error).join('; ')}`);
  const e = parsed.data;
  const ackUrl = e[ENV.ackUrl];
  const ackSecret = e[ENV.ackSecret];
  return {
    config: parseConfig(JSON.parse(e[ENV.config]), ENV.config),
    table: e[ENV.table],
    topics: e[ENV.topics],
    ack: ackUrl && ackSecret ? { url: ackUrl, secretId: ackSecret } : undefined,
    ddb: new DynamoDBClient({}),
    sns: new SNSClient({}),
  };
}

/** The environment as the bundler leaves it: `process.env.CCWATCH_CONFIG` is replaced by the synthesized config. */
const bundledEnv = (): Record<string, string | undefined> => ({ ...process.env, [ENV.config]: process.env.CCWATCH_CONFIG });

/** The config and the table: what every function that acknowledges alerts is told. */
const AcknowledgingEnvSchema = z.object({ [ENV.config]: z.string().min(2), [ENV.table]: z.string().min(3) });

function acknowledgingEnv<S extends typeof AcknowledgingEnvSchema>(schema: S, env: Record<string, string | undefined>) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`function environment is incomplete: ${formatIssues(parsed.error).join('; ')}`);
  return { data: parsed.data as z.infer<S>, config: parseConfig(JSON.parse(parsed.data[ENV.config]), ENV.config) };
}

/**
 * The ack function needs the table, its signing key and the config: the open-alerts page lists a
 * channel's alerts by the channel's filters, with times in each source's timezone.
 */
const AckEnvSchema = AcknowledgingEnvSchema.extend({ [ENV.ackSecret]: z.string().min(1) });

export function ackRuntimeFromEnv(env: Record<string, string | undefined> = bundledEnv()): {
  config: Config;
  table: string;
  secretId: string;
} {
  const { data, config } = acknowledgingEnv(AckEnvSchema, env);
  return { config, table: data[ENV.table], secretId: data[ENV.ackSecret] };
}

/** The SMS-reply function: the config (its sms.twoWay names the number replies come from) and the table. */
export function smsReplyRuntimeFromEnv(env: Record<string, string | undefined> = bundledEnv()): {
  config: Config;
  table: string;
  originationNumber: string;
} {
  const { data, config } = acknowledgingEnv(AcknowledgingEnvSchema, env);
  const originationNumber = config.sms?.twoWay?.originationNumber;
  if (!originationNumber) throw new Error('config has no sms.twoWay.originationNumber: this function is deployed only with it');
  return { config, table: data[ENV.table], originationNumber };
}
