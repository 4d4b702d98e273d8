import * as z from 'zod';
import { NoticeSchema, type OutboxEntry } from '#shared/model/items';
import { parseItem, type Table } from './dynamo';
import { keys } from './table';

/** Notices of the earlier layout had no step counter: their step is unknown, shown as 0. */
const LegacyItemSchema = z.object({
  channel: z.string(),
  notice: NoticeSchema.extend({ step: z.number().int().nonnegative().default(0) }),
});

/**
 * Notices the earlier version kept per channel (`OUTBOX#<fn>#<channel>`) after a failed publish.
 * The first run on the new layout delivers them with its own, and deletes each item only once
 * its channel has it, so an upgrade loses none.
 */
export class LegacyOutbox {
  constructor(private readonly t: Table) {}

  async load(fn: string, channels: readonly string[]): Promise<{ entries: OutboxEntry[]; keys: Map<string, { pk: string; sk: string }> }> {
    const entries: OutboxEntry[] = [];
    const found = new Map<string, { pk: string; sk: string }>();
    for (const channel of channels) {
      for (const raw of await this.t.queryAll(keys.outbox(fn, channel), '')) {
        const { notice } = parseItem(LegacyItemSchema, raw);
        const id = `${notice.episodeId}#${notice.step}:${String(raw.sk)}`;
        found.set(`${channel} ${id}`, { pk: String(raw.pk), sk: String(raw.sk) });
        entries.push({
          id,
          kind: notice.status === 'firing' ? 'fired' : notice.status === 'repeat' ? 'repeat' : notice.status,
          episode: {
            episodeId: notice.episodeId,
            source: notice.source,
            kind: notice.kind,
            subjectId: notice.subjectId,
            ruleId: notice.ruleId,
            startedAt: notice.startedAt,
            tier: 1,
            severity: notice.severity,
            firedAt: notice.startedAt,
            lastNotifiedAt: notice.dueAt ?? notice.startedAt,
            version: 0,
          },
          notice,
          channels: [channel],
          at: notice.dueAt ?? notice.startedAt,
        });
      }
    }
    return { entries, keys: found };
  }

  async delete(items: readonly { pk: string; sk: string }[]): Promise<void> {
    await this.t.batchDelete('old outbox deletes', items);
  }
}
