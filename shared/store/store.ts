import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import type { AgentWrite, EpisodeWrite } from '#shared/alerting/agents';
import {
  type AgentItem,
  AgentItemSchema,
  EPISODE_EVENT_TYPES,
  type Episode,
  type EpisodeEvent,
  EpisodeEventSchema,
  EpisodeSchema,
  type HealthItem,
  HealthItemSchema,
  type Notice,
  OutboxItemSchema,
  type TaskItem,
  TaskItemSchema,
} from '#shared/model/items';
import { mapLimit, sleep } from '#shared/runtime/concurrency';
import { formatIssues } from '#shared/vendors/errors';
import { TTL_ATTRIBUTE } from './table';

const DAY_S = 86_400;
/** Resolved episodes and run records expire; open ones never do. */
const EPISODE_TTL_DAYS = 30;
const RUN_TTL_DAYS = 7;
/** An unpublished notice older than a day is history, not news. */
const OUTBOX_TTL_S = DAY_S;
/** A run record older than this that never finished belongs to a crashed invocation. */
const STALE_RUN_MS = 10 * 60_000;
const WRITE_CONCURRENCY = 16;

export const keys = {
  source: (source: string) => `SRC#${source}`,
  agent: (agentId: string) => `AGENT#${agentId}`,
  /** All episodes share one partition, so an id alone finds one (its events sort beside it). */
  episodePk: 'EPISODE',
  episodeSk: (episodeId: string, source: string) => `${episodeId}#${source}#EPISODE`,
  /** Unique per event; events of the same millisecond sort in lifecycle order (fired before notified). */
  eventSk: (episodeId: string, source: string, at: number, event: EpisodeEvent['event']) =>
    `${episodeId}#${source}#EVENT#${String(at).padStart(15, '0')}#${EPISODE_EVENT_TYPES.indexOf(event)}#${randomUUID().slice(0, 8)}`,
  health: (fn: string) => `HEALTH#${fn}`,
  task: (ruleId: string, taskId: number | string) => `TASK#${ruleId}#${taskId}`,
  outbox: (fn: string, channel: string) => `OUTBOX#${fn}#${channel}`,
  run: (fn: string, source: string) => `RUN#${fn}#${source}`,
};

type Item = Record<string, NativeAttributeValue>;

export class StoreError extends Error {
  override readonly name = 'StoreError';
}

/** Parses a stored item; a damaged one is an error naming its key and field. */
function parseItem<S extends z.ZodType>(schema: S, raw: Item): z.output<S> {
  const { pk, sk, [TTL_ATTRIBUTE]: _ttl, type: _type, ...rest } = raw;
  const result = schema.safeParse(rest);
  if (!result.success)
    throw new StoreError(`stored item ${String(pk)} / ${String(sk)} is damaged: ${formatIssues(result.error).join('; ')}`);
  return result.data;
}

/** Re-sends what a batch call left unprocessed, with backoff, until nothing is left. */
async function untilProcessed<R extends object>(what: string, first: R, send: (request: R) => Promise<R | undefined>): Promise<void> {
  let request: R | undefined = first;
  for (let attempt = 0; request && Object.keys(request).length; attempt++) {
    if (attempt > 8) throw new StoreError(`DynamoDB kept leaving ${what} unprocessed`);
    if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** attempt));
    request = await send(request);
  }
}

const isConditionFailure = (err: unknown) =>
  err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';

/**
 * DynamoDB access for the alerting core: one table, items keyed by source. Every state change is a
 * conditional write on the item's version, so two overlapping runs cannot both move it forward.
 */
export class Store {
  readonly doc: DynamoDBDocumentClient;
  /** Capacity units used, for metrics and the benchmark. */
  readonly consumed = { read: 0, write: 0 };

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  private track(
    out: {
      ConsumedCapacity?:
        | { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number }
        | { CapacityUnits?: number }[]
        | undefined;
    },
    kind: 'read' | 'write',
  ): void {
    const list = Array.isArray(out.ConsumedCapacity) ? out.ConsumedCapacity : out.ConsumedCapacity ? [out.ConsumedCapacity] : [];
    for (const c of list) this.consumed[kind] += c.CapacityUnits ?? 0;
  }

  private async queryAll(pk: string, skPrefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, NativeAttributeValue> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
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

  async loadAgents(source: string): Promise<AgentItem[]> {
    return (await this.queryAll(keys.source(source), 'AGENT#')).map((i) => parseItem(AgentItemSchema, i));
  }

  /** The episodes named, read in batches of 100, retrying what DynamoDB leaves unprocessed. */
  async loadEpisodes(source: string, ids: readonly string[]): Promise<Map<string, Episode>> {
    const out = new Map<string, Episode>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 100) {
      const first = {
        [this.tableName]: { Keys: unique.slice(i, i + 100).map((id) => ({ pk: keys.episodePk, sk: keys.episodeSk(id, source) })) },
      };
      await untilProcessed('episode reads', first, async (request) => {
        const res = await this.doc.send(new BatchGetCommand({ RequestItems: request, ReturnConsumedCapacity: 'TOTAL' }));
        this.track(res, 'read');
        for (const item of res.Responses?.[this.tableName] ?? []) {
          const e = parseItem(EpisodeSchema, item);
          out.set(e.episodeId, e);
        }
        return res.UnprocessedKeys as typeof request | undefined;
      });
    }
    return out;
  }

  async getEpisode(source: string, id: string): Promise<Episode | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.episodePk, sk: keys.episodeSk(id, source) },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.track(out, 'read');
    return out.Item ? parseItem(EpisodeSchema, out.Item) : undefined;
  }

  async loadHealth(fn: string, source: string): Promise<HealthItem | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.source(source), sk: keys.health(fn) }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    this.track(out, 'read');
    return out.Item ? parseItem(HealthItemSchema, out.Item) : undefined;
  }

  /** A put that may lose to another run: false when its condition fails, other errors thrown. */
  private async conditionalPut(input: Omit<PutCommandInput, 'TableName' | 'ReturnConsumedCapacity'>): Promise<boolean> {
    try {
      const out = await this.doc.send(new PutCommand({ TableName: this.tableName, ReturnConsumedCapacity: 'TOTAL', ...input }));
      this.track(out, 'write');
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Put guarded by the previous version (or by absence for a new item). False when another run got there first. */
  private putVersioned(item: Item, prevVersion: number | undefined): Promise<boolean> {
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

  /** Writes changed agents; returns the ids another run had already moved on (their plan is void). */
  async writeAgents(writes: readonly AgentWrite[]): Promise<Set<string>> {
    const lost = new Set<string>();
    await mapLimit(writes, WRITE_CONCURRENCY, async (w) => {
      const ok = await this.putVersioned(
        { pk: keys.source(w.item.source), sk: keys.agent(w.item.agentId), type: 'agent', ...w.item },
        w.prevVersion,
      );
      if (!ok) lost.add(w.item.agentId);
    });
    return lost;
  }

  /** Moves an episode forward; true only for the one run whose write won (exactly one notice per step). */
  async writeEpisode(w: EpisodeWrite): Promise<boolean> {
    const e = w.next;
    const item: Item = { pk: keys.episodePk, sk: keys.episodeSk(e.episodeId, e.source), type: 'episode', ...e };
    if (e.resolvedAt !== undefined) item[TTL_ATTRIBUTE] = Math.floor(e.resolvedAt / 1000) + EPISODE_TTL_DAYS * DAY_S;
    const won = await this.putVersioned(item, w.prev?.version);
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
        console.error(
          `ccwatch: alert id collision: ${e.episodeId} on ${e.source} is taken by ${existing.kind} ${existing.subjectId} (${existing.ruleId}); ${e.kind} ${e.subjectId} (${e.ruleId}) was not notified`,
        );
      }
    }
    return won;
  }

  /** Appends history lines; they expire with the episode's retention. A failure here costs history only. */
  async addEvents(events: readonly EpisodeEvent[]): Promise<void> {
    await this.batchPut(
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
    const items = await this.queryAll(keys.episodePk, `${episodeId}#`);
    const episodes = items.filter((i) => i.type === 'episode').map((i) => parseItem(EpisodeSchema, i));
    const events = items.filter((i) => i.type === 'event').map((i) => parseItem(EpisodeEventSchema, i));
    return episodes.map((episode) => ({ episode, events: events.filter((e) => e.source === episode.source) }));
  }

  /** Open episodes, newest first. */
  async openEpisodes(): Promise<Episode[]> {
    const items = await this.queryAll(keys.episodePk, '');
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
    return this.conditionalPut({
      Item: { pk: keys.episodePk, sk: keys.episodeSk(e.episodeId, e.source), type: 'episode', ...next },
      ConditionExpression: '#v = :prev AND attribute_not_exists(resolvedAt)',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':prev': e.version },
    });
  }

  /** Keeps a channel's unpublished notices for the next run (one item each, expiring after a day). */
  async putOutbox(fn: string, channel: string, notices: readonly Notice[], now: number): Promise<void> {
    await this.batchPut(
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
    const items = await this.queryAll(keys.outbox(fn, channel), '');
    const claimed: Notice[] = [];
    for (const raw of items) {
      try {
        const out = await this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { pk: raw.pk, sk: raw.sk },
            ConditionExpression: 'attribute_exists(pk)',
            ReturnValues: 'ALL_OLD',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        this.track(out, 'write');
        if (out.Attributes) claimed.push(parseItem(OutboxItemSchema, out.Attributes).notice);
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    }
    return claimed;
  }

  async writeHealth(fn: string, h: HealthItem, prevVersion: number | undefined): Promise<boolean> {
    return this.putVersioned({ pk: keys.source(h.source), sk: keys.health(fn), type: 'health', ...h }, prevVersion);
  }

  async loadTasks(source: string): Promise<TaskItem[]> {
    return (await this.queryAll(keys.source(source), 'TASK#')).map((i) => parseItem(TaskItemSchema, i));
  }

  async writeTask(item: TaskItem, prevVersion: number | undefined): Promise<boolean> {
    return this.putVersioned({ pk: keys.source(item.source), sk: keys.task(item.ruleId, item.taskId), type: 'task', ...item }, prevVersion);
  }

  /**
   * Claims one scheduled tick for one source. A second delivery of the same tick finds the record
   * and stands down; a record left "started" by a crashed invocation may be taken over.
   */
  async claimRun(fn: string, source: string, tick: string, now: number): Promise<boolean> {
    return this.conditionalPut({
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
    const out = await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
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
    this.track(out, 'write');
  }

  /** Unconditional bulk puts in batches of 25, retrying unprocessed items with backoff. */
  async batchPut(items: readonly Item[]): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      const first = { [this.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
      await untilProcessed('batch writes', first, async (request) => {
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: request, ReturnConsumedCapacity: 'TOTAL' }));
        this.track(out, 'write');
        return out.UnprocessedItems as typeof request | undefined;
      });
    }
  }
}
