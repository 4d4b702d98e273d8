import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { type Notice, OutboxItemSchema } from '#shared/model/items';
import { DAY_S, isConditionFailure, parseItem, type Table } from './dynamo';
import { keys, TTL_ATTRIBUTE } from './table';

/** An unpublished notice older than a day is history, not news. */
const OUTBOX_TTL_S = DAY_S;

/** Notices a channel did not get because its publish failed; the next run sends them. */
export class Outbox {
  constructor(private readonly t: Table) {}

  /** Keeps a channel's unpublished notices for the next run (one item each, expiring after a day). */
  async putOutbox(fn: string, channel: string, notices: readonly Notice[], now: number): Promise<void> {
    await this.t.batchPut(
      notices.map((notice) => ({
        pk: keys.outbox(fn, channel),
        sk: `${notice.episodeId}#${notice.status}#${notice.dueAt ?? now}`,
        type: 'outbox',
        fn,
        channel,
        notice: { ...notice, dueAt: notice.dueAt ?? now },
        [TTL_ATTRIBUTE]: Math.floor(now / 1000) + OUTBOX_TTL_S,
      })),
    );
  }

  /**
   * Takes a channel's waiting notices: each is deleted on condition it still exists, so of two
   * overlapping runs only one sends it. A failed publish puts them back with putOutbox.
   */
  async claimOutbox(fn: string, channel: string): Promise<Notice[]> {
    const items = await this.t.queryAll(keys.outbox(fn, channel), '');
    const claimed: Notice[] = [];
    for (const raw of items) {
      try {
        const out = await this.t.doc.send(
          new DeleteCommand({
            TableName: this.t.name,
            Key: { pk: raw.pk, sk: raw.sk },
            ConditionExpression: 'attribute_exists(pk)',
            ReturnValues: 'ALL_OLD',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        this.t.track(out, 'write');
        if (out.Attributes) claimed.push(parseItem(OutboxItemSchema, out.Attributes).notice);
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    }
    return claimed;
  }
}
