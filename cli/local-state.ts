import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '#shared/store/table';
import { type DynamoDbLocal, startDynamoDbLocal } from '../local/dynamodb-local';

export const LOCAL_TABLE = 'ccwatch';

/**
 * DynamoDB for the CLI: the endpoint given; the deployed table through the normal AWS chain
 * (`aws`, never created here); or DynamoDB Local persisted under ./.ccwatch. `ownsSignals`: the
 * caller handles SIGINT, SIGTERM and SIGHUP, so the embedded DynamoDB Local is kept out of the
 * terminal's reach (its own process group) and lives until stop() or this process's exit.
 */
export async function localState(
  endpoint: string | undefined,
  table: string = LOCAL_TABLE,
  progress: (s: string) => void,
  aws = false,
  ownsSignals = false,
): Promise<{ client: DynamoDBClient; table: string; stop(): Promise<void> }> {
  if (aws) {
    const client = new DynamoDBClient({});
    return { client, table, stop: async () => client.destroy() };
  }
  let local: DynamoDbLocal | undefined;
  if (!endpoint) {
    progress('starting DynamoDB Local (state kept in .ccwatch/dynamodb)...');
    local = await startDynamoDbLocal({ dbPath: join(process.cwd(), '.ccwatch', 'dynamodb'), ownProcessGroup: ownsSignals });
  }
  const client = new DynamoDBClient({
    endpoint: endpoint ?? local!.endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    // DynamoDB Local accepts any credentials; a real endpoint uses the normal AWS chain
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  try {
    await client.send(new CreateTableCommand(createTableInput(table)));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  return {
    client,
    table,
    stop: async () => {
      client.destroy();
      await local?.stop();
    },
  };
}
