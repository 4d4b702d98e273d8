import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DAY_S, type Table } from './dynamo';
import { keys, TTL_ATTRIBUTE } from './table';

const RUN_TTL_DAYS = 7;
/** A run record older than this that never finished belongs to a crashed invocation. */
const STALE_RUN_MS = 10 * 60_000;

/** One record per (function, source, scheduled tick), so a re-delivered schedule event runs once. */
export class Runs {
  constructor(private readonly t: Table) {}

  /**
   * Claims one scheduled tick for one source. A second delivery of the same tick finds the record
   * and stands down; a record left "started" by a crashed invocation may be taken over.
   */
  async claimRun(fn: string, source: string, tick: string, now: number): Promise<boolean> {
    return this.t.conditionalPut({
      Item: {
        pk: keys.run(fn, source),
        sk: tick,
        type: 'run',
        status: 'started',
        startedAt: now,
        [TTL_ATTRIBUTE]: Math.floor(now / 1000) + RUN_TTL_DAYS * DAY_S,
      },
      ConditionExpression: 'attribute_not_exists(pk) OR (#s = :started AND startedAt < :stale)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':started': 'started', ':stale': now - STALE_RUN_MS },
    });
  }

  async finishRun(fn: string, source: string, tick: string, now: number, outcome: string): Promise<void> {
    const out = await this.t.doc.send(
      new PutCommand({
        TableName: this.t.name,
        Item: {
          pk: keys.run(fn, source),
          sk: tick,
          type: 'run',
          status: 'done',
          outcome,
          finishedAt: now,
          [TTL_ATTRIBUTE]: Math.floor(now / 1000) + RUN_TTL_DAYS * DAY_S,
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.t.track(out, 'write');
  }
}
