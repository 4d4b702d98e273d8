import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { type Config, parseConfig } from '#shared/config/schema';
import { formatIssues } from '#shared/vendors/errors';

/**
 * What a deployed function is told by its environment. The config is inlined into the bundle at
 * synth (already validated there) and checked again here; topic ARNs and the table name are
 * plain environment values. No secret is ever in the environment.
 */
const EnvSchema = z.object({
  CCWATCH_CONFIG: z.string().min(2),
  CCWATCH_TABLE: z.string().min(3),
  CCWATCH_TOPICS: z.string().transform((s, ctx) => {
    try {
      return z.record(z.string(), z.string()).parse(JSON.parse(s));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON object of channel id -> topic ARN' });
      return z.NEVER;
    }
  }),
});

export interface Runtime {
  config: Config;
  table: string;
  topics: Record<string, string>;
  ddb: DynamoDBClient;
  sns: SNSClient;
}

/** Read member by member: the bundler replaces `process.env.CCWATCH_CONFIG` with the synthesized config. */
function currentEnv() {
  return {
    CCWATCH_CONFIG: process.env.CCWATCH_CONFIG,
    CCWATCH_TABLE: process.env.CCWATCH_TABLE,
    CCWATCH_TOPICS: process.env.CCWATCH_TOPICS,
  };
}

export function runtimeFromEnv(env: Record<string, string | undefined> = currentEnv()): Runtime {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`function environment is incomplete: ${formatIssues(parsed.error).join('; ')}`);
  const { CCWATCH_CONFIG, CCWATCH_TABLE, CCWATCH_TOPICS } = parsed.data;
  return {
    config: parseConfig(JSON.parse(CCWATCH_CONFIG), 'CCWATCH_CONFIG'),
    table: CCWATCH_TABLE,
    topics: CCWATCH_TOPICS,
    ddb: new DynamoDBClient({}),
    sns: new SNSClient({}),
  };
}
