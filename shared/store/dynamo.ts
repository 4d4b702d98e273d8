import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { formatIssues } from '#shared/model/issues';
import { sleep } from '#shared/runtime/concurrency';
import { TTL_ATTRIBUTE } from './table';

export type Item = Record<string, NativeAttributeValue>;

export const DAY_S = 86_400;

export class StoreError extends Error {
  override readonly name = 'StoreError';
}

/** Parses a stored item; a damaged one is an error naming its key and field. */
export function parseItem<S extends z.ZodType>(schema: S, raw: Item): z.output<S> {
  const { pk, sk, [TTL_ATTRIBUTE]: _ttl, type: _type, ...rest } = raw;
  const result = schema.safeParse(rest);
  if (!result.success)
    throw new StoreError(`stored item ${String(pk)} / ${String(sk)} is damaged: ${formatIssues(result.error).join('; ')}`);
  return result.data;
}

/** Re-sends what a batch call left unprocessed, with backoff, until nothing is left. */
export async function untilProcessed<R extends object>(
  what: string,
  first: R,
  send: (request: R) => Promise<R | undefined>,
): Promise<void> {
  let request: R | undefined = first;
  for (let attempt = 0; request && Object.keys(request).length; attempt++) {
    if (attempt > 8) throw new StoreError(`DynamoDB kept leaving ${what} unprocessed`);
    if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** attempt));
    request = await send(request);
  }
}

export const isConditionFailure = (err: unknown) =>
  err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';

type Consumed = { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined;

/**
 * The one table as every store module uses it: the document client, consumed capacity (for
 * metrics and the benchmark), paged queries, conditional and batch writes.
 */
export class Table {
  readonly doc: DynamoDBDocumentClient;
  /** Capacity units used, for metrics and the benchmark. */
  readonly consumed = { read: 0, write: 0 };

  constructor(
    client: DynamoDBClient,
    readonly name: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  track(out: { ConsumedCapacity?: Consumed }, kind: 'read' | 'write'): void {
    const list = Array.isArray(out.ConsumedCapacity) ? out.ConsumedCapacity : out.ConsumedCapacity ? [out.ConsumedCapacity] : [];
    for (const c of list) this.consumed[kind] += c.CapacityUnits ?? 0;
  }

  async queryAll(pk: string, skPrefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, NativeAttributeValue> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.name,
          // DynamoDB refuses an empty begins_with value: no prefix means the whole partition
          KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          ExpressionAttributeValues: skPrefix ? { ':pk': pk, ':prefix': skPrefix } : { ':pk': pk },
          ExclusiveStartKey: start,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.track(out, 'read');
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** One item by key, checked against its schema; strongly consistent unless said. */
  async getItem<S extends z.ZodType>(schema: S, key: { pk: string; sk: string }, consistent = true): Promise<z.output<S> | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: consistent, ReturnConsumedCapacity: 'TOTAL' }),
    );
    this.track(out, 'read');
    return out.Item ? parseItem(schema, out.Item) : undefined;
  }

  /** An unconditional put. */
  async put(item: Item): Promise<void> {
    const out = await this.doc.send(new PutCommand({ TableName: this.name, Item: item, ReturnConsumedCapacity: 'TOTAL' }));
    this.track(out, 'write');
  }

  /** A put that may lose to another run: false when its condition fails, other errors thrown. */
  async conditionalPut(input: Omit<PutCommandInput, 'TableName' | 'ReturnConsumedCapacity'>): Promise<boolean> {
    try {
      const out = await this.doc.send(new PutCommand({ TableName: this.name, ReturnConsumedCapacity: 'TOTAL', ...input }));
      this.track(out, 'write');
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Put guarded by the previous version (or by absence for a new item). False when another run got there first. */
  putVersioned(item: Item, prevVersion: number | undefined): Promise<boolean> {
    return this.conditionalPut(
      prevVersion === undefined
        ? { Item: item, ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            Item: item,
            ConditionExpression: '#v = :prev',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':prev': prevVersion },
          },
    );
  }

  /** Unconditional bulk puts in batches of 25, retrying unprocessed items with backoff. */
  async batchPut(items: readonly Item[]): Promise<void> {
    await this.batchWrite(
      'batch writes',
      items.map((Item) => ({ PutRequest: { Item } })),
    );
  }

  /** Bulk deletes by key, the same way. */
  async batchDelete(what: string, keys: readonly { pk: string; sk: string }[]): Promise<void> {
    await this.batchWrite(
      what,
      keys.map((Key) => ({ DeleteRequest: { Key } })),
    );
  }

  private async batchWrite(what: string, requests: readonly Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      const first = { [this.name]: requests.slice(i, i + 25) };
      await untilProcessed(what, first, async (request) => {
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: request as never, ReturnConsumedCapacity: 'TOTAL' }));
        this.track(out, 'write');
        return out.UnprocessedItems as typeof request | undefined;
      });
    }
  }
}
