import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { BatchGetCommand, type NativeAttributeValue, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { stepOf } from '#shared/alerting/lifecycle';
import {
  EPISODE_EVENT_TYPES,
  type Episode,
  type EpisodeEvent,
  EpisodeEventSchema,
  EpisodeSchema,
  type OutboxEntry,
} from '#shared/model/items';
import { SeveritySchema } from '#shared/model/severity';
import type { Log } from '#shared/runtime/log';
import { DAY_S, isConditionFailure, parseItem, type Table, untilProcessed } from './dynamo';
import { keys, TTL_ATTRIBUTE } from './table';

/** Step lines kept in the episode item itself: written with the step, at no extra cost. */
const StepLinesSchema = z.array(EpisodeEventSchema.omit({ episodeId: true, source: true }));
/** A per-run "notified" history item: when, and (compressed) channel + severity -> episode ids. */
const HistoryItemSchema = z.object({ at: z.number(), sent: z.instanceof(Uint8Array) });
const SentSchema = z.record(z.string(), z.array(z.string()));

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

  getEpisode(source: string, id: string): Promise<Episode | undefined> {
    return this.t.getItem(EpisodeSchema, { pk: keys.episodePk, sk: keys.episodeSk(id, source) }, false);
  }

  /**
   * Moves the episode item to the state an outbox entry records, once: the write is conditional on
   * the stored step being older, so applying the same entry again (a retry after a crash) changes
   * nothing. Only the fields steps own are set; an acknowledgment made meanwhile stays. The step's
   * history line goes in with it. False when the item was already at or past this step.
   */
  async apply(entry: OutboxEntry): Promise<boolean> {
    const e = entry.episode;
    const owned: Record<string, NativeAttributeValue> = {
      type: 'episode',
      episodeId: e.episodeId,
      source: e.source,
      kind: e.kind,
      subjectId: e.subjectId,
      ruleId: e.ruleId,
      startedAt: e.startedAt,
      tier: e.tier,
      severity: e.severity,
      firedAt: e.firedAt,
      lastNotifiedAt: e.lastNotifiedAt,
      step: stepOf(e),
      ...(e.subjectName !== undefined ? { subjectName: e.subjectName } : {}),
      // an escalation policy's progress, and the acknowledgment passed on to on-call tools
      ...(e.level !== undefined ? { level: e.level } : {}),
      ...(e.levelAt !== undefined ? { levelAt: e.levelAt } : {}),
      ...(e.cycle !== undefined ? { cycle: e.cycle } : {}),
      ...(e.ackRelayed !== undefined ? { ackRelayed: e.ackRelayed } : {}),
      ...(e.resolvedAt !== undefined
        ? { resolvedAt: e.resolvedAt, [TTL_ATTRIBUTE]: Math.floor(e.resolvedAt / 1000) + EPISODE_TTL_DAYS * DAY_S }
        : {}),
    };
    const names: Record<string, string> = { '#history': 'history', '#v': 'version', '#step': 'step' };
    const values: Record<string, NativeAttributeValue> = {
      ':line': [{ at: entry.at, event: entry.kind, severity: e.severity }],
      ':none': [],
      ':one': 1,
      ':step': stepOf(e),
    };
    const sets = Object.entries(owned).map(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:f${i}`] = v;
      return `#f${i} = :f${i}`;
    });
    try {
      const out = await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.name,
          Key: { pk: keys.episodePk, sk: keys.episodeSk(e.episodeId, e.source) },
          UpdateExpression: `SET ${sets.join(', ')}, #history = list_append(if_not_exists(#history, :none), :line) ADD #v :one`,
          ConditionExpression: 'attribute_not_exists(#step) OR #step < :step',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.t.track(out, 'write');
      return true;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      if (stepOf(e) === 1) await this.reportCollision(e);
      return false;
    }
  }

  /** Opening an episode whose id another subject already holds: said loudly, never silently dropped. */
  private async reportCollision(e: Episode): Promise<void> {
    const existing = await this.getEpisode(e.source, e.episodeId);
    if (
      existing &&
      (existing.kind !== e.kind || existing.subjectId !== e.subjectId || existing.ruleId !== e.ruleId || existing.startedAt !== e.startedAt)
    ) {
      this.log.error(
        `alert id collision: ${e.episodeId} on ${e.source} is taken by ${existing.kind} ${existing.subjectId} (${existing.ruleId}); ${e.kind} ${e.subjectId} (${e.ruleId}) shares its id`,
        {},
      );
    }
  }

  /**
   * The "notified" lines of one run for one source: one item, whatever the number of alerts, found
   * again by episode id through its `ids` set. A failure here costs history only.
   */
  async addNotified(source: string, fn: string, at: number, lines: readonly EpisodeEvent[]): Promise<void> {
    if (!lines.length) return;
    // every line of one run shares its time and event: only (channel, severity, episode) vary, and
    // the compressed list keeps the item near 1 KB (one write unit) for a hundred alerts
    const sent: Record<string, string[]> = {};
    for (const l of lines) {
      const key = `${l.channel ?? ''} ${l.severity ?? ''}`;
      sent[key] = [...(sent[key] ?? []), l.episodeId];
    }
    const out = await this.t.doc.send(
      new PutCommand({
        TableName: this.t.name,
        Item: {
          pk: keys.history(source),
          sk: keys.historySk(at, fn),
          type: 'history',
          at,
          sent: brotliCompressSync(Buffer.from(JSON.stringify(sent))),
          [TTL_ATTRIBUTE]: Math.floor(at / 1000) + EPISODE_TTL_DAYS * DAY_S,
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.t.track(out, 'write');
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

  /** Every episode with this id (one, unless two sources drew the same id), with its history in order. */
  async findEpisode(episodeId: string, now = Date.now()): Promise<{ episode: Episode; events: EpisodeEvent[] }[]> {
    const items = await this.t.queryAll(keys.episodePk, `${episodeId}#`);
    const legacy = items.filter((i) => i.type === 'event').map((i) => parseItem(EpisodeEventSchema, i));
    const found = items.filter((i) => i.type === 'episode');
    return Promise.all(
      found.map(async (item) => {
        const episode = parseItem(EpisodeSchema, item);
        const { source } = episode;
        const steps = StepLinesSchema.parse(item.history ?? []).map((l) => ({ ...l, episodeId, source }));
        const notified = await this.notifiedLines(episode, now);
        const events = [...legacy.filter((e) => e.source === source), ...steps, ...notified];
        // by time; within one millisecond in lifecycle order (fired before notified)
        events.sort((a, b) => a.at - b.at || EPISODE_EVENT_TYPES.indexOf(a.event) - EPISODE_EVENT_TYPES.indexOf(b.event));
        return { episode, events };
      }),
    );
  }

  private async notifiedLines(e: Episode, now: number): Promise<EpisodeEvent[]> {
    const out: EpisodeEvent[] = [];
    let start: Record<string, NativeAttributeValue> | undefined;
    do {
      const res = await this.t.doc.send(
        new QueryCommand({
          TableName: this.t.name,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': keys.history(e.source),
            ':from': keys.historySk(e.firedAt - 60_000, ''),
            ':to': keys.historySk((e.resolvedAt ?? now) + DAY_S * 1000, '~'),
          },
          ExclusiveStartKey: start,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.t.track(res, 'read');
      // the alert's lines are picked out here: a run's item is one compressed list for all its alerts
      for (const item of res.Items ?? []) {
        const { at, sent } = HistoryItemSchema.parse(item);
        const byChannel = SentSchema.parse(JSON.parse(brotliDecompressSync(sent).toString('utf8')));
        for (const [key, ids] of Object.entries(byChannel)) {
          if (!ids.includes(e.episodeId)) continue;
          const [channel, severity] = key.split(' ');
          out.push({
            episodeId: e.episodeId,
            source: e.source,
            at,
            event: 'notified',
            ...(channel ? { channel } : {}),
            ...(severity ? { severity: SeveritySchema.parse(severity) } : {}),
          });
        }
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
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
    // an update, not a put: the fields runs own (steps, history) stay as they are
    const set = ack ? ['ackedBy = :by', 'ackedAt = :at', ...(ack.snoozeUntil !== undefined ? ['snoozeUntil = :until'] : [])] : [];
    const remove = ack ? (ack.snoozeUntil === undefined ? ['snoozeUntil'] : []) : ['ackedBy', 'ackedAt', 'snoozeUntil'];
    try {
      const out = await this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.name,
          Key: { pk: keys.episodePk, sk: keys.episodeSk(e.episodeId, e.source) },
          UpdateExpression: [`SET ${[...set, '#v = :next'].join(', ')}`, remove.length ? `REMOVE ${remove.join(', ')}` : '']
            .join(' ')
            .trim(),
          ConditionExpression: '#v = :prev AND attribute_not_exists(resolvedAt)',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: {
            ':prev': e.version,
            ':next': e.version + 1,
            ...(ack ? { ':by': ack.by, ':at': ack.at } : {}),
            ...(ack?.snoozeUntil !== undefined ? { ':until': ack.snoozeUntil } : {}),
          },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.t.track(out, 'write');
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
