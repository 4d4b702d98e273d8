import * as z from 'zod';
import {
  AgentItemSchema,
  type AgentSnapshot,
  type Episode,
  EpisodeSchema,
  type OutboxEntry,
  OutboxEntrySchema,
  TaskItemSchema,
  type TaskSnapshot,
  TaskSnapshotSchema,
} from '#shared/model/items';
import type { Log } from '#shared/runtime/log';
import { AGENT_PARTS, decodeAgents, encodeAgents } from './agent-codec';
import { parseItem, type Table } from './dynamo';
import type { Episodes } from './episodes';
import { StateDocStore } from './state-doc';
import { keys } from './table';

/**
 * What one function keeps per source, in one compact state document written with one optimistic
 * check: the snapshot (agents or tasks), the open episodes it points to, and the outbox of alert
 * steps not yet done. The snapshot and the steps that depend on it are stored together, so a
 * crash can never keep one without the other.
 */
export interface SourceState<T> {
  /** The document's version; undefined before the first save. */
  version: number | undefined;
  /** When the last complete read was stored. */
  lastOkAt: number | undefined;
  items: T[];
  /** Open episodes as the last save left them (acknowledgments may have changed since: re-read before acting on them). */
  episodes: Map<string, Episode>;
  outbox: OutboxEntry[];
  /** Read from the per-item layout of earlier versions; those items are removed after the first save. */
  migrated?: { keys: { pk: string; sk: string }[] } | undefined;
  /** The shard count the document was saved under (agents; undefined: saved before counts were recorded). */
  layout?: number | undefined;
  /** That count was found recorded for the source (run/reshard.ts). */
  settled?: boolean | undefined;
}

const MetaSchema = z.object({
  lastOkAt: z.number().optional(),
  layout: z.number().int().positive().optional(),
  settled: z.boolean().optional(),
});
const LayoutItemSchema = z.object({ count: z.number().int().positive() });
type Meta = z.infer<typeof MetaSchema>;
const EpisodesPart = z.array(EpisodeSchema);
const OutboxPart = z.array(OutboxEntrySchema);
const TasksPart = z.array(TaskSnapshotSchema);

interface Kind<T> {
  prefix: string;
  parts: Record<string, z.ZodType>;
  decode(parts: Record<string, unknown>): T[];
  encode(items: readonly T[]): Record<string, unknown>;
  legacy: z.ZodType;
  fromLegacy(item: unknown): T;
  episodeIds(item: T): string[];
}

const AGENTS: Kind<AgentSnapshot> = {
  prefix: 'AGENT#',
  parts: AGENT_PARTS,
  decode: (p) => decodeAgents(p.roster as never, p.states as never),
  encode: (items) => encodeAgents(items),
  legacy: AgentItemSchema,
  fromLegacy: (item) => {
    const { version: _v, ...rest } = item as z.infer<typeof AgentItemSchema>;
    return rest;
  },
  episodeIds: (a) => (a.episodeId ? [a.episodeId] : []),
};

const TASKS: Kind<TaskSnapshot> = {
  prefix: 'TASK#',
  parts: { tasks: TasksPart },
  decode: (p) => p.tasks as TaskSnapshot[],
  encode: (items) => ({ tasks: items }),
  legacy: TaskItemSchema,
  fromLegacy: (item) => {
    const { version: _v, ...rest } = item as z.infer<typeof TaskItemSchema>;
    return rest;
  },
  episodeIds: (t) => [t.episodeId, t.configEpisodeId].filter((x): x is string => !!x),
};

export class SourceStates {
  readonly docs: StateDocStore;

  constructor(
    private readonly t: Table,
    private readonly episodes: Episodes,
    private readonly log: Log,
  ) {
    this.docs = new StateDocStore(t.doc, t.name, t.consumed);
  }

  loadAgents(fn: string, source: string, now: number): Promise<SourceState<AgentSnapshot>> {
    return this.load(AGENTS, fn, source, now);
  }

  loadTasks(fn: string, source: string, now: number): Promise<SourceState<TaskSnapshot>> {
    return this.load(TASKS, fn, source, now);
  }

  /** Saves the next state over `prev`; false when another run saved first (nothing of this one is kept). */
  saveAgents(fn: string, source: string, next: SourceState<AgentSnapshot>, now: number): Promise<boolean> {
    return this.save(AGENTS, fn, source, next, now);
  }

  saveTasks(fn: string, source: string, next: SourceState<TaskSnapshot>, now: number): Promise<boolean> {
    return this.save(TASKS, fn, source, next, now);
  }

  /**
   * The outbox alone, for the stage that publishes (whatever the document's kind). The document's
   * other parts are carried as they are, so recording deliveries rewrites the outbox and the head.
   */
  async loadOutbox(fn: string, source: string, now: number): Promise<OutboxDoc | undefined> {
    // the head and the outbox only: the snapshot parts are neither read nor written again
    const doc = await this.docs.load<Meta, { outbox: OutboxEntry[] }>(keys.source(source), keys.state(fn), {
      meta: MetaSchema,
      parts: { outbox: OutboxPart },
      only: ['outbox'],
      now,
    });
    if (!doc) return undefined;
    return { version: doc.version, meta: doc.meta, outbox: doc.parts.outbox };
  }

  /**
   * Records what was delivered: the outbox less the channels told and the entries finished. If
   * another run saved meanwhile, its outbox is settled instead (the same ids lose the same channels).
   */
  async recordOutbox(fn: string, source: string, doc: OutboxDoc, settle: Settle, now: number): Promise<void> {
    let current: OutboxDoc | undefined = doc;
    for (let attempt = 0; current && attempt < 4; attempt++) {
      const outbox = settle(current.outbox);
      if (sameOutbox(outbox, current.outbox)) return;
      if (await this.docs.save(keys.source(source), keys.state(fn), current.version, current.meta, { outbox }, now, { keepOthers: true }))
        return;
      current = await this.loadOutbox(fn, source, now);
    }
    if (current) throw new Error(`[${source}] the state kept changing while recording deliveries; they are sent again next run`);
  }

  private async load<T>(kind: Kind<T>, fn: string, source: string, now: number): Promise<SourceState<T>> {
    const doc = await this.docs.load<Meta>(keys.source(source), keys.state(fn), {
      meta: MetaSchema,
      parts: { ...kind.parts, episodes: EpisodesPart, outbox: OutboxPart } as never,
      now,
    });
    if (doc) {
      const parts = doc.parts as Record<string, unknown>;
      const episodes = parts.episodes as Episode[];
      return {
        version: doc.version,
        lastOkAt: doc.meta.lastOkAt,
        layout: doc.meta.layout,
        settled: doc.meta.settled,
        items: kind.decode(parts),
        episodes: new Map(episodes.map((e) => [e.episodeId, e])),
        outbox: parts.outbox as OutboxEntry[],
      };
    }
    return this.loadLegacy(kind, source);
  }

  /**
   * The shard count whose documents hold a source's agents (run/reshard.ts): written once every
   * document of a new count was saved, so a source re-sharded again knows where its state is.
   */
  async loadLayout(fn: string, source: string): Promise<number | undefined> {
    return (await this.t.getItem(LayoutItemSchema, { pk: keys.source(source), sk: keys.layout(fn) }))?.count;
  }

  saveLayout(fn: string, source: string, count: number): Promise<void> {
    return this.t.put({ pk: keys.source(source), sk: keys.layout(fn), count });
  }

  /** The shard count each of these agent documents was saved under, and when: undefined where absent. */
  layoutsOf(fn: string, unitKeys: readonly string[], now: number): Promise<({ layout?: number; lastOkAt?: number } | undefined)[]> {
    return Promise.all(
      unitKeys.map(
        async (unit) => (await this.docs.load<Meta>(keys.source(unit), keys.state(fn), { meta: MetaSchema, only: [], now }))?.meta,
      ),
    );
  }

  /** The per-item layout of earlier versions: read once, converted, removed after the first save. */
  private async loadLegacy<T>(kind: Kind<T>, source: string): Promise<SourceState<T>> {
    const raw = await this.t.queryAll(keys.source(source), kind.prefix);
    const items = raw.map((r) => kind.fromLegacy(parseItem(kind.legacy, r)));
    const ids = items.flatMap((i) => kind.episodeIds(i));
    const found = ids.length ? await this.episodes.loadEpisodes(source, ids) : new Map<string, Episode>();
    const open = new Map([...found].filter(([, e]) => e.resolvedAt === undefined));
    if (raw.length) this.log.info('moving a source to the compact state layout', { source, items: raw.length, openAlerts: open.size });
    return {
      version: undefined,
      lastOkAt: undefined,
      items,
      episodes: open,
      outbox: [],
      ...(raw.length ? { migrated: { keys: raw.map((r) => ({ pk: String(r.pk), sk: String(r.sk) })) } } : {}),
    };
  }

  private async save<T>(kind: Kind<T>, fn: string, source: string, next: SourceState<T>, now: number): Promise<boolean> {
    const meta: Meta = {
      ...(next.lastOkAt !== undefined ? { lastOkAt: next.lastOkAt } : {}),
      ...(next.layout !== undefined ? { layout: next.layout } : {}),
      ...(next.settled ? { settled: true } : {}),
    };
    const parts = { ...kind.encode(next.items), episodes: [...next.episodes.values()], outbox: next.outbox };
    const won = await this.docs.save(keys.source(source), keys.state(fn), next.version, meta, parts, now);
    if (won && next.migrated) {
      await this.deleteLegacy(next.migrated.keys).catch((err: Error) =>
        this.log.warn('old per-agent items not removed; they are ignored from now on', { source, error: err.message }),
      );
    }
    return won;
  }

  private async deleteLegacy(items: readonly { pk: string; sk: string }[]): Promise<void> {
    await this.t.batchDelete('old item deletes', items);
  }
}

/** A state document read for its outbox: the other parts are carried unchanged. */
export interface OutboxDoc {
  version: number;
  meta: Meta;
  outbox: OutboxEntry[];
}

/** Given the stored outbox, what it should become once this run's deliveries are taken off. */
export type Settle = (outbox: readonly OutboxEntry[]) => OutboxEntry[];

function sameOutbox(a: readonly OutboxEntry[], b: readonly OutboxEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => e.id === b[i]!.id && e.channels.join() === b[i]!.channels.join());
}
