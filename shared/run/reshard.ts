import type { AgentSnapshot } from '#shared/model/items';
import type { SourceState, SourceStates } from '#shared/store/source-state';
import { inShard, type Shard, unitKey } from './units';

/** A stage unit's agent state, and whether the source's recorded shard count is to be checked after its save. */
export interface UnitState {
  state: SourceState<AgentSnapshot>;
  /** Its agents were taken over from the documents of another shard count (how many documents). */
  adoptedFrom?: number;
  /** After saving, see whether every unit of this count has its document, and record the count (settleLayout). */
  settle: boolean;
}

/** The unit keys of a source split `count` ways. */
export function unitKeysOf(sourceId: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => unitKey(sourceId, { index, count }));
}

/**
 * One unit's agents, open episodes and owed steps. When the source's `shards` changed, the unit has
 * no document of its count yet: it takes over its own agents from the documents of the previous
 * count (recorded by settleLayout), so time in state, open alerts and their steps carry on under
 * the same episode ids: no alert fires again, none is left open with nobody to resolve it. The
 * old documents are only read; nobody saves them again, and they expire (state-doc TTL).
 */
export async function loadUnitAgents(
  states: SourceStates,
  fn: string,
  sourceId: string,
  shard: Shard | undefined,
  now: number,
): Promise<UnitState> {
  const count = shard?.count ?? 1;
  const own = await states.loadAgents(fn, unitKey(sourceId, shard), now);
  if (own.version !== undefined && own.layout === count) return { state: own, settle: false };
  // saved before counts were recorded: its own count's (record it once)
  if (own.version !== undefined && own.layout === undefined) return { state: { ...own, layout: count }, settle: true };
  // none of this count yet (or one another count left under the same key): from the recorded count;
  // none recorded: a source sharded before counts were, whose whole-source document is the best guess
  const from = (await states.loadLayout(fn, sourceId)) ?? (count > 1 ? 1 : undefined);
  // nothing (or a per-item state of old versions) under this key, or a stale document to replace
  const empty: SourceState<AgentSnapshot> =
    own.version === undefined
      ? { ...own, layout: count }
      : { version: own.version, lastOkAt: undefined, items: [], episodes: new Map(), outbox: [], layout: count };
  if (from === undefined || from === count) return { state: empty, settle: true };
  const olds = (await Promise.all(unitKeysOf(sourceId, from).map((key) => states.loadAgents(fn, key, now)))).filter(
    (s) => s.version !== undefined,
  );
  if (!olds.length) return { state: empty, settle: true };
  const mine = (agentId: string) => count === 1 || inShard(agentId, { index: shard!.index, count });
  const items = new Map<string, AgentSnapshot>();
  for (const old of olds) for (const a of old.items) if (mine(a.agentId) && !items.has(a.agentId)) items.set(a.agentId, a);
  const lastOk = olds.map((s) => s.lastOkAt).filter((t): t is number => t !== undefined);
  return {
    state: {
      version: own.version,
      lastOkAt: lastOk.length ? Math.max(...lastOk) : undefined,
      items: [...items.values()],
      episodes: new Map(olds.flatMap((s) => [...s.episodes]).filter(([, e]) => mine(e.subjectId))),
      outbox: olds.flatMap((s) => s.outbox).filter((e) => mine(e.episode.subjectId)),
      layout: count,
    },
    adoptedFrom: from,
    settle: true,
  };
}

/** Records `count` as the source's shard count once every unit of it has saved its document. */
export async function settleLayout(states: SourceStates, fn: string, sourceId: string, count: number, now: number): Promise<boolean> {
  const layouts = await states.layoutsOf(fn, unitKeysOf(sourceId, count), now);
  if (!layouts.every((l) => l === count)) return false;
  await states.saveLayout(fn, sourceId, count);
  return true;
}
