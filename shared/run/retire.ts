import { resolveChannels } from '#shared/alerting/escalation';
import { type EpisodeStep, resolveEpisode } from '#shared/alerting/lifecycle';
import { isSilenced } from '#shared/alerting/scope';
import { type Config, ruleOf, type Silence, taskSources } from '#shared/config/schema';
import { FN } from '#shared/contracts/names';
import type { Episode, OutboxEntry } from '#shared/model/items';
import { mapLimit } from '#shared/runtime/concurrency';
import type { SourceState } from '#shared/store/source-state';
import type { WatchedUnit } from '#shared/store/watched';
import { applyEntries, toEntries } from './outbox';
import { savedLately, unitKeysOf } from './reshard';
import type { SourceResult } from './tick';
import type { CoreDeps } from './types';
import type { StageUnit } from './units';

/** Units closed per tick, at most: the publish stage must keep its time for publishing. */
const RETIRE_PER_TICK = 25;

/**
 * What the function's publish stage closes: its own units no longer read, and, from agent-status,
 * preview-tasks' once no task rule is left (that function is then neither deployed nor run).
 */
export async function retireLeftovers(opts: {
  fn: string;
  config: Config;
  now: number;
  deps: CoreDeps;
  units: readonly StageUnit[];
}): Promise<{ fn: string; result: SourceResult }[]> {
  const own = await retireUnwatched(opts);
  const results = own.results.map((result) => ({ fn: opts.fn, result }));
  if (opts.fn !== FN.agentStatus || taskSources(opts.config).length || !own.sameConfig) return results;
  const tasks = await retireUnwatched({ ...opts, fn: FN.previewTasks, units: [], sameConfig: true });
  return [...results, ...tasks.results.map((result) => ({ fn: FN.previewTasks, result }))];
}

/**
 * Sources (and shards) a function no longer reads leave their open alerts behind: nobody would
 * resolve them, and a PagerDuty incident among them would page on. Each tick compares what it
 * watches with what the last one watched (one small item per function). A unit that left is
 * closed once nothing has read it for two intervals: its open alerts resolve ("closed: ..."), its
 * owed steps go out, its failure count and "source down" end; a removed source's snapshot is
 * emptied, so were it added back it would start afresh. A unit left by a change of `shards` keeps
 * its agent state for the new shards to take over (run/reshard.ts); only its health is closed.
 * A config none of whose sources the last tick read is another config on the same table (two
 * `ccwatch run` in one folder, one after the other), not an edit of this one: nothing of the other's
 * is closed (`sameConfig` false). Returns what the publish stage is to deliver for the units closed,
 * as source stages report it.
 */
async function retireUnwatched(opts: {
  fn: string;
  config: Config;
  now: number;
  deps: CoreDeps;
  units: readonly StageUnit[];
  /** Decided by the caller (the function of the units has none left to compare). */
  sameConfig?: boolean;
}): Promise<{ results: SourceResult[]; sameConfig: boolean }> {
  const { fn, config, now, deps } = opts;
  const { store } = deps;
  const watched: WatchedUnit[] = opts.units.map((u) => ({ key: u.key, source: u.source.id }));
  const current = new Set(watched.map((u) => u.key));
  const sources = new Set(watched.map((u) => u.source));
  const prev = await store.watched.load(fn);
  if (!prev) {
    // the first tick that keeps the list: what earlier versions stopped reading is known by the
    // alerts it left open; closed from the next tick on
    const retiring = await formerUnits(fn, store, current, sources);
    await store.watched.save(fn, { units: watched, retiring, version: 1 }, undefined);
    return { results: [], sameConfig: true };
  }
  const sameConfig = opts.sameConfig ?? (!prev.units.length || prev.units.some((u) => sources.has(u.source)));
  if (!sameConfig) {
    deps.log.warn('the last tick on this table read none of these sources: another config, whose sources are left alone', {
      fn,
      theirs: prev.units.map((u) => u.key),
    });
    await store.watched.save(fn, { units: watched, retiring: [], version: prev.version + 1 }, prev.version);
    return { results: [], sameConfig };
  }
  const left = new Map<string, WatchedUnit>();
  for (const u of prev.retiring) if (!current.has(u.key)) left.set(u.key, u);
  for (const u of prev.units)
    if (!current.has(u.key) && !left.has(u.key)) left.set(u.key, sources.has(u.source) ? { ...u, healthOnly: true } : u);
  const batch = [...left.values()].slice(0, RETIRE_PER_TICK);
  const silences = batch.length ? await silencesNow(config, now, deps) : [];
  const closed = await mapLimit(batch, 8, (u) =>
    retireUnit(fn, config, now, deps, u, silences).catch((err: Error) => {
      deps.log.error('a source no longer read could not be closed; tried again next run', { fn, unit: u.key, error: err.message });
      return { done: false, result: undefined };
    }),
  );
  const done = new Set(batch.filter((_, i) => closed[i]!.done).map((u) => u.key));
  const retiring = [...left.values()].filter((u) => !done.has(u.key));
  if (done.size) deps.log.info('sources or shards no longer read are closed', { fn, units: [...done] });
  const same = (a: readonly WatchedUnit[], b: readonly WatchedUnit[]) => a.map((u) => u.key).join('\n') === b.map((u) => u.key).join('\n');
  if (!same(prev.units, watched) || !same(prev.retiring, retiring))
    await store.watched.save(fn, { units: watched, retiring, version: prev.version + 1 }, prev.version);
  return { results: closed.flatMap((c) => (c.result ? [c.result] : [])), sameConfig };
}

/**
 * Units no longer read that left alerts open, as far as the open alerts tell (once, before the
 * list was kept): the shards a source's recorded count names, and any shard whose "down" is open.
 */
async function formerUnits(
  fn: string,
  store: CoreDeps['store'],
  current: ReadonlySet<string>,
  sources: ReadonlySet<string>,
): Promise<WatchedUnit[]> {
  const kind = fn === FN.agentStatus ? 'agent' : 'task';
  const out = new Map<string, WatchedUnit>();
  const gone = new Set<string>();
  // only on a table this config has been running on (a source of it has a health item): on one
  // another config ran, the alerts left open are that config's, not this one's to close
  const mine = await Promise.all([...current].slice(0, 5).map((key) => store.health.load(fn, key)));
  if (!mine.some((h) => h !== undefined)) return [];
  for (const e of await store.episodes.openEpisodes()) {
    if (e.kind === 'source' && !current.has(e.subjectId))
      out.set(e.subjectId, { key: e.subjectId, source: e.source, ...(sources.has(e.source) ? { healthOnly: true } : {}) });
    if (e.kind !== kind || sources.has(e.source) || gone.has(e.source)) continue;
    gone.add(e.source);
    const count = kind === 'agent' ? ((await store.states.loadLayout(fn, e.source)) ?? 1) : 1;
    for (const key of unitKeysOf(e.source, count)) out.set(key, { key, source: e.source });
  }
  return [...out.values()];
}

/** The config's silences and those made at runtime (left out, logged, if they cannot be read). */
async function silencesNow(config: Config, now: number, deps: CoreDeps): Promise<Silence[]> {
  const runtime = await deps.store.silences.active(now).catch((err: Error) => {
    deps.log.error('runtime silences could not be read; closing alerts under the config silences only', { error: err.message });
    return [];
  });
  return [...config.silences, ...runtime];
}

/** Why a unit's alerts are closed, in words for the resolve notice. */
function whyClosed(fn: string, config: Config, u: WatchedUnit): string {
  if (u.healthOnly) {
    const source = config.sources.find((s) => s.id === u.source);
    const count = source && 'shards' in source ? source.shards : 1;
    return `${u.key} is no longer a shard of its own: the source is read ${count === 1 ? 'whole' : `in ${count} shards`} now`;
  }
  return config.sources.some((s) => s.id === u.source)
    ? `no ${fn === FN.previewTasks ? 'task rule' : 'rule'} reads source ${u.source} any more`
    : `source ${u.source} was removed from the configuration`;
}

/**
 * One unit no longer watched: its owed steps moved, what is open closed. `done` once nothing is
 * open or owed (then it leaves the list); `result` while the publish stage has something to send.
 */
async function retireUnit(
  fn: string,
  config: Config,
  now: number,
  deps: CoreDeps,
  u: WatchedUnit,
  silences: readonly Silence[],
): Promise<{ done: boolean; result: SourceResult | undefined }> {
  const { store, log } = deps;
  const everyMs = config.schedule.every * 1000;
  const health = await store.health.load(fn, u.key);
  const agents = fn === FN.agentStatus;
  // documents expire by the wall clock, as every stage saves them; `now` (the tick's) times the rest
  const wall = Date.now();
  const state: SourceState<unknown> | undefined = !u.healthOnly
    ? await (agents ? store.states.loadAgents(fn, u.key, wall) : store.states.loadTasks(fn, u.key, wall))
    : undefined;
  // read a moment ago, or by someone else: not ours to close (yet)
  if (savedLately(health?.savedAt, now, everyMs) || savedLately(state?.lastOkAt, now, everyMs)) return { done: false, result: undefined };

  const why = whyClosed(fn, config, u);
  const seen = new Set<string>();
  const applied = new Set<string>();
  const apply = async (entries: readonly OutboxEntry[]) => {
    for (const e of entries) seen.add(e.id);
    for (const id of await applyEntries(store, entries, log)) applied.add(id);
  };
  let owes = false;
  // a shard's document left for the new shards to take over is neither read nor delivered here
  let stateVersion: number | undefined = u.healthOnly ? -1 : undefined;
  let healthVersion: number | undefined;

  if (state?.version !== undefined) {
    stateVersion = state.version;
    await apply(state.outbox);
    const open = [...state.episodes.values()].filter((e) => e.resolvedAt === undefined);
    if (open.length || state.items.length) {
      const groups = new Map((state.items as { agentId?: string; groups?: string[] }[]).map((i) => [i.agentId, i.groups ?? []]));
      const heard = (e: Episode) => !isSilenced(silences, now, u.source, e.subjectId, groups.get(e.subjectId) ?? [], e.ruleId);
      const entries = toEntries(
        open.map((e) => closeStep(config, e, now, heard(e) ? why : undefined)),
        config.channels,
        now,
      );
      const next = { ...state, items: [], episodes: new Map(), outbox: [...state.outbox, ...entries], lastOkAt: undefined };
      const saved = await (agents
        ? store.states.saveAgents(fn, u.key, next as never, wall)
        : store.states.saveTasks(fn, u.key, next as never, wall));
      if (!saved) return { done: false, result: undefined };
      stateVersion = state.version + 1;
      await apply(entries);
      if (open.length) log.info('alerts of a source no longer read are closed', { fn, unit: u.key, alerts: open.length, why });
      owes = true;
    } else owes = state.outbox.length > 0;
  }

  if (health) {
    healthVersion = health.version;
    await apply(health.outbox);
    const episode = health.episodeId ? await store.episodes.getEpisode(u.source, health.episodeId) : undefined;
    const open = episode && episode.resolvedAt === undefined ? episode : undefined;
    if (open || health.consecutiveFailures > 0 || health.episodeId) {
      const heard = !isSilenced(silences, now, u.source, u.source, [], 'source-down');
      const detail = heard ? { subjectName: `${u.key} (${fn})`, closed: why } : undefined;
      const step = open && { ...resolveEpisode(open, now, detail), ...(u.healthOnly ? {} : { anySource: true as const }) };
      const entries = step ? toEntries([step], config.channels, now) : [];
      const next = { source: health.source, consecutiveFailures: 0, outbox: [...health.outbox, ...entries], version: health.version + 1 };
      if (!(await store.health.save(fn, next, health.version))) return { done: false, result: undefined };
      healthVersion = next.version;
      await apply(entries);
      owes = true;
    } else owes ||= health.outbox.length > 0;
  }

  const pending = [...seen].filter((id) => !applied.has(id));
  if (!owes && !pending.length) return { done: true, result: undefined };
  return {
    done: false,
    result: {
      source: u.key,
      outcome: { source: u.key, status: 'ok' },
      complete: true,
      pending,
      migrated: false,
      stateVersion,
      healthVersion,
    },
  };
}

/**
 * The resolve of an alert whose source left the config: told as its rule tells resolves (to the
 * levels its policy reached), silently where it is silenced; PagerDuty and Opsgenie are told in
 * any case, whatever a channel's source filter now says, so no incident is left paging.
 */
function closeStep(config: Config, e: Episode, now: number, why: string | undefined): EpisodeStep {
  const rule = ruleOf(config, e.ruleId);
  const detail = why === undefined || rule?.notifyResolved === false ? undefined : { closed: why };
  return { ...resolveEpisode(e, now, detail, resolveChannels(rule, config.escalationPolicies, e)), anySource: true };
}
