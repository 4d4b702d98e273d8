import type { AgentSnapshot } from '#shared/model/items';
import type { SourceState, SourceStates } from '#shared/store/source-state';
import { inShard, type Shard, unitKey } from './units';

/** Slack on two intervals for a unit to count as saved lately: a tick late, or slow to store. */
const SAVED_LATELY_SLACK_MS = 60_000;

/**
 * Whether a unit was saved within two intervals and a minute of `now` (both the tick's clock): its
 * document is current, or, for a unit no config reads any more, someone may still be reading it.
 */
export function savedLately(at: number | undefined, now: number, everyMs: number): boolean {
  return at !== undefined && now - at <= 2 * everyMs + SAVED_LATELY_SLACK_MS;
}

/** A stage unit's agent state, and whether the source's recorded shard count is to be checked after its save. */
export interface UnitState {
  state: SourceState<AgentSnapshot>;
  /** Its agents were taken over from the documents of another shard count (how many documents). */
  adoptedFrom?: number;
  /**
   * After saving, see whether every unit of this count has its document, and record the count
   * (settleLayout). Until a load finds it recorded (and the document says so: `settled`), every
   * tick of this unit tries again.
   */
  settle: boolean;
}

/** The unit keys of a source split `count` ways. */
export function unitKeysOf(sourceId: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => unitKey(sourceId, { index, count }));
}

/**
 * One unit's agents, open episodes and owed steps. When the source's `shards` changed, the unit has
 * no document of its count yet: it takes over its own agents from the documents of the recorded
 * count (settleLayout), so time in state, open alerts and their steps carry on under the same
 * episode ids: no alert fires again, none is left open with nobody to resolve it. The old documents
 * are only read; nobody saves them again, and they expire (state-doc TTL). A document of this count
 * not saved for a while may be one an earlier period of this count left (n -> m -> n within the
 * TTL): it counts only if the recorded count is still this one.
 */
export async function loadUnitAgents(
  states: SourceStates,
  fn: string,
  sourceId: string,
  shard: Shard | undefined,
  /** The tick's clock, as the documents' lastOkAt is. */
  now: number,
  everyMs: number,
): Promise<UnitState> {
  const count = shard?.count ?? 1;
  // documents expire by the wall clock they were saved by
  const wall = Date.now();
  const own = await states.loadAgents(fn, unitKey(sourceId, shard), wall);
  // saved under this count (or before counts were recorded)
  const ofThisCount = own.version !== undefined && (own.layout === count || own.layout === undefined);
  const recent = savedLately(own.lastOkAt, now, everyMs);
  // steady state: the count is recorded and the document current; nothing more is read
  if (ofThisCount && own.settled && recent) return { state: own, settle: false };
  const recorded = await states.loadLayout(fn, sourceId);
  if (ofThisCount && (recorded === undefined || recorded === count)) {
    const settled = recorded === count;
    return { state: { ...own, layout: count, settled }, settle: !settled };
  }
  // none of this count, one another count left under this key, or a stale one: from the recorded
  // count; none recorded: a source sharded before counts were, whose whole-source document is the
  // best guess
  const from = recorded ?? (count > 1 ? 1 : undefined);
  const empty: SourceState<AgentSnapshot> =
    own.version === undefined
      ? { ...own, layout: count, settled: false }
      : { version: own.version, lastOkAt: undefined, items: [], episodes: new Map(), outbox: [], layout: count, settled: false };
  if (from === undefined || from === count) return { state: empty, settle: true };
  const olds = (await Promise.all(unitKeysOf(sourceId, from).map((key) => states.loadAgents(fn, key, wall)))).filter(
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
      settled: false,
    },
    adoptedFrom: from,
    settle: true,
  };
}

/**
 * Records `count` as the source's shard count once every unit of it has saved its document in
 * this period of the count. A document an earlier period left (n -> m -> n within the TTL) does
 * not count: recorded on its word, the unit that owns it would take its stale state for current,
 * and leave its agents' open alerts and owed steps behind in the other count's documents.
 */
export async function settleLayout(
  states: SourceStates,
  fn: string,
  sourceId: string,
  count: number,
  now: number,
  everyMs: number,
): Promise<boolean> {
  // `now` is the tick's (as lastOkAt is); documents expire by the wall clock they were saved by
  const metas = await states.layoutsOf(fn, unitKeysOf(sourceId, count), Date.now());
  if (!metas.every((m) => m?.layout === count && savedLately(m.lastOkAt, now, everyMs))) return false;
  await states.saveLayout(fn, sourceId, count);
  return true;
}
