import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { EpisodeWrite } from '#shared/alerting/episode-write';
import { type Episode, type EpisodeEvent, EpisodeEventSchema, EpisodeSchema } from '#shared/model/items';
import type { Log } from '#shared/runtime/log';
import { DAY_S, type Item, parseItem, type Table, untilProcessed } from './dynamo';
import { keys, TTL_ATTRIBUTE } from './table';

/** Resolved episodes and their history expire; open ones never do. */
const EPISODE_TTL_DAYS = 30;

/** Alert episodes (the notification log conditional writes move forward), their history and acknowledgments. */
export class Episodes {
  constructor(
    private readonly t: Table,
    private readonly log: Log,
  ) {}

  /** The episodes named, read in batches of 100, retrying what DynamoDB leaves unprocessed. */
  async loadEpisodes(source: string, ids: readonly string[]): Promise<Map<string, Episode>> {
    const out = new Map<string, Episode>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 100) {
      const first = {
        [this.t.name]: { Keys: unique.slice(i, i + 100).map((id) => ({ pk: keys.episodePk, sk: keys.episodeSk(id, source) })) },
      };
      await untilProcessed('episode reads', first, async (request) => {
        const res = await this.t.doc.send(new BatchGetCommand({ RequestItems: request, ReturnConsumedCapacity: 'TOTAL' }));
        this.t.track(res, 'read');
        for (const item of res.Responses?.[this.t.name] ?? []) {
          const e = parseItem(EpisodeSchema, item);
          out.set(e.episodeId, e);
        }
        return res.UnprocessedKeys as typeof request | undefined;
      });
    }
    return out;
  }

  async getEpisode(source: string, id: string): Promise<Episode | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({
        TableName: this.t.name,
        Key: { pk: keys.episodePk, sk: keys.episodeSk(id, source) },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.t.track(out, 'read');
    return out.Item ? parseItem(EpisodeSchema, out.Item) : undefined;
  }

  /** Moves an episode forward; true only for the one run whose write won (exactly one notice per step). */
  async writeEpisode(w: EpisodeWrite): Promise<boolean> {
    const e = w.next;
    const item: Item = { pk: keys.episodePk, sk: keys.episodeSk(e.episodeId, e.source), type: 'episode', ...e };
    if (e.resolvedAt !== undefined) item[TTL_ATTRIBUTE] = Math.floor(e.resolvedAt / 1000) + EPISODE_TTL_DAYS * DAY_S;
    const won = await this.t.putVersioned(item, w.prev?.version);
    if (!won && !w.prev) {
      // losing a create normally means another run made this very episode; say so loudly if not
      const existing = await this.getEpisode(e.source, e.episodeId);
      if (
        existing &&
        (existing.kind !== e.kind ||
          existing.subjectId !== e.subjectId ||
          existing.ruleId !== e.ruleId ||
          existing.startedAt !== e.startedAt)
      ) {
        this.log.error(
          `alert id collision: ${e.episodeId} on ${e.source} is taken by ${existing.kind} ${existing.subjectId} (${existing.ruleId}); ${e.kind} ${e.subjectId} (${e.ruleId}) was not notified`,
          {},
        );
      }
    }
    return won;
  }

  /** Appends history lines; they expire with the episode's retention. A failure here costs history only. */
  async addEvents(events: readonly EpisodeEvent[]): Promise<void> {
    await this.t.batchPut(
      events.map((e) => ({
        pk: keys.episodePk,
        sk: keys.eventSk(e.episodeId, e.source, e.at, e.event),
        type: 'event',
        ...e,
        [TTL_ATTRIBUTE]: Math.floor(e.at / 1000) + EPISODE_TTL_DAYS * DAY_S,
      })),
    );
  }

  /** Every episode with this id (one, unless two sources drew the same id), with its history. */
  async findEpisode(episodeId: string): Promise<{ episode: Episode; events: EpisodeEvent[] }[]> {
    const items = await this.t.queryAll(keys.episodePk, `${episodeId}#`);
    const episodes = items.filter((i) => i.type === 'episode').map((i) => parseItem(EpisodeSchema, i));
    const events = items.filter((i) => i.type === 'event').map((i) => parseItem(EpisodeEventSchema, i));
    return episodes.map((episode) => ({ episode, events: events.filter((e) => e.source === episode.source) }));
  }

  /** Open episodes, newest first. */
  async openEpisodes(): Promise<Episode[]> {
    const items = await this.t.queryAll(keys.episodePk, '');
    return items
      .filter((i) => i.type === 'episode' && i.resolvedAt === undefined)
      .map((i) => parseItem(EpisodeSchema, i))
      .sort((a, b) => b.startedAt - a.startedAt);
  }

  /**
   * Sets or clears an acknowledgment, guarded by the version the caller read and by the episode
   * still being open; false when either moved (the caller re-reads and decides again).
   */
  async setAck(e: Episode, ack: { by: string; at: number; snoozeUntil?: number } | undefined): Promise<boolean> {
    const next: Episode = { ...e, version: e.version + 1 };
    delete next.ackedBy;
    delete next.ackedAt;
    delete next.snoozeUntil;
    if (ack)
      Object.assign(next, { ackedBy: ack.by, ackedAt: ack.at, ...(ack.snoozeUntil !== undefined ? { snoozeUntil: ack.snoozeUntil } : {}) });
    return this.t.conditionalPut({
      Item: { pk: keys.episodePk, sk: keys.episodeSk(e.episodeId, e.source), type: 'episode', ...next },
      ConditionExpression: '#v = :prev AND attribute_not_exists(resolvedAt)',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':prev': e.version },
    });
  }
}
