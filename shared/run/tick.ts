import { planHealth } from '#shared/alerting/health';
import type { EpisodeStep } from '#shared/alerting/lifecycle';
import { isSilenced } from '#shared/alerting/scope';
import type { Config } from '#shared/config/schema';
import type { Episode, StoredHealth } from '#shared/model/items';
import { mapLimit } from '#shared/runtime/concurrency';
import type { SourceState } from '#shared/store/source-state';
import type { Store } from '#shared/store/store';
import type { SourceConfig } from '#shared/vendors/index';
import { applyEntries, type Holder, toEntries } from './outbox';
import { publish } from './publish';
import type { Budget, CoreDeps, RunReport, SourceOutcome } from './types';

/** Sources read at once in one run; each source bounds its own requests (http.concurrency). */
export const SOURCES_IN_FLIGHT = 32;

/** What a function's pass over one source found: the next snapshot and the steps it takes. */
export interface Planned<T> {
  items: T[];
  steps: EpisodeStep[];
  outcome: Partial<SourceOutcome>;
  /** Open episodes as read fresh for this plan (acknowledgments); the stored copies otherwise. */
  episodes?: ReadonlyMap<string, Episode>;
}

/** What one function does for one source; `tick` runs it the same way for every function. */
export interface SourcePass<T> {
  load(): Promise<SourceState<T>>;
  /** Reads the vendor (aborted by `signal` at the read deadline) and plans; SourceError for vendor trouble. */
  plan(state: SourceState<T>, signal: AbortSignal, unobservedMs: number): Promise<Planned<T>>;
  /** Episode ids the items point to. */
  episodeIds(item: T): string[];
  save(next: SourceState<T>): Promise<boolean>;
  holder(state: SourceState<T>, applied: Set<string>): Holder;
}

export interface TickOptions {
  fn: string;
  sources: readonly SourceConfig[];
  config: Config;
  tick: string;
  now: number;
  deps: CoreDeps;
  budget: Budget;
}

/**
 * One scheduled tick of a function: every source at once (bounded), each isolated from the others
 * and held to the run's budget, then one digest per channel of everything stored. A source still
 * busy when it is time to publish does not hold the others' notices: what it stores later goes
 * out with the next run.
 */
export async function runFunctionTick<T>(opts: TickOptions, passFor: (source: SourceConfig) => SourcePass<T>): Promise<RunReport> {
  const { fn, config, tick, now, deps, budget } = opts;
  const started = Date.now();
  const finished: SourceRun[] = [];
  const all = mapLimit(opts.sources, SOURCES_IN_FLIGHT, async (source) => {
    const result = await runSource(opts, source, passFor(source));
    finished.push(result);
    return result;
  });
  const inTime = await Promise.race([all.then(() => true), sleepUntil(budget.publishAt).then(() => false)]);
  const done = [...finished];
  const late = opts.sources.filter((s) => !done.some((d) => d.outcome.source === s.id));
  if (!inTime) deps.log.warn('publishing before every source finished; the rest goes out next run', { fn, late: late.map((s) => s.id) });
  const holders = done.flatMap((d) => d.holders);
  // the first run after an upgrade also delivers what the earlier version had left unsent
  if (done.some((d) => d.migrated)) {
    const legacy = await legacyHolder(fn, config, deps).catch((err: Error) => {
      deps.log.error('unsent notices of the earlier version could not be read', { fn, error: err.message });
      return undefined;
    });
    if (legacy) holders.push(legacy);
  }
  const published = await publish({ fn, holders, config, now, deps });
  const publishedAfterMs = Date.now() - started;
  const sources = [
    ...done.map((d) => d.outcome),
    ...late.map((s): SourceOutcome => ({ source: s.id, status: 'failed', error: 'did not finish within the run', errorKind: 'deadline' })),
  ];
  return { tick, sources, ...published, publishedAfterMs, tookMs: Date.now() - started };
}

const sleepUntil = (at: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())).unref?.());

interface SourceRun {
  outcome: SourceOutcome;
  holders: Holder[];
  /** Its state was read from the earlier per-item layout this run. */
  migrated: boolean;
}

async function legacyHolder(fn: string, config: Config, deps: CoreDeps): Promise<Holder | undefined> {
  const { entries, keys } = await deps.store.legacyOutbox.load(
    fn,
    config.channels.map((c) => c.id),
  );
  if (!entries.length) return undefined;
  return {
    source: 'earlier version',
    entries,
    applied: new Set(entries.map((e) => e.id)),
    record: async (settle) => {
      const owed = new Set(settle(entries).flatMap((e) => e.channels.map((c) => `${c} ${e.id}`)));
      await deps.store.legacyOutbox.delete([...keys].filter(([k]) => !owed.has(k)).map(([, key]) => key));
    },
  };
}

async function runSource<T>(opts: TickOptions, source: SourceConfig, pass: SourcePass<T>): Promise<SourceRun> {
  const { fn, config, now, deps, budget } = opts;
  const { store, log } = deps;
  const holders: Holder[] = [];
  let outcome: SourceOutcome = { source: source.id, status: 'ok' };
  const health = await store.health.load(fn, source.id).catch((err: Error) => {
    log.error('source health could not be read', { fn, source: source.id, error: err.message });
    return undefined;
  });

  let state: SourceState<T> | undefined;
  let leftoversApplied = new Set<string>();
  try {
    state = await pass.load();
    // steps an earlier run stored but did not finish (a crash, a failed publish): finish them first
    leftoversApplied = await applyEntries(store, state.outbox, log);
    holders.push(pass.holder(state, leftoversApplied));
  } catch (err) {
    outcome = storeError(source.id, err, log, fn);
  }

  if (state) {
    const readStart = performance.now();
    const signal = AbortSignal.timeout(Math.max(0, budget.readsEndAt - Date.now()));
    const gap = health?.consecutiveFailures && state.lastOkAt ? now - state.lastOkAt - config.schedule.every * 1000 : 0;
    let planned: Planned<T> | undefined;
    try {
      planned = await pass.plan(state, signal, Math.max(0, gap));
      outcome.readMs = Math.round(performance.now() - readStart);
    } catch (err) {
      const kind = signal.aborted ? 'deadline' : ((err as { kind?: string }).kind ?? 'unknown');
      outcome = { ...outcome, status: 'failed', error: (err as Error).message, errorKind: kind };
      log.warn('source read failed; its stored state is kept', { fn, source: source.id, error: outcome.error });
    }
    if (planned) {
      const storeStart = performance.now();
      try {
        const steps = [...planned.steps, ...sweep(state, planned, pass, now)];
        const entries = toEntries(steps, config.channels, now);
        const next: SourceState<T> = {
          ...state,
          items: planned.items,
          episodes: nextEpisodes(planned.episodes ?? state.episodes, steps),
          outbox: [...state.outbox, ...entries],
          lastOkAt: now,
        };
        if (await pass.save(next)) {
          holders.length = 0;
          const applied = new Set(leftoversApplied);
          for (const id of await applyEntries(store, entries, log)) applied.add(id);
          holders.push(pass.holder({ ...next, version: (state.version ?? 0) + 1 }, applied));
          outcome = { ...outcome, ...planned.outcome, storeMs: Math.round(performance.now() - storeStart) };
        } else {
          // another run stored this source meanwhile: it owns the delivery of what it stored
          holders.length = 0;
          outcome = { ...outcome, status: 'superseded' };
          log.warn('another run stored this source first; leaving it to it', { fn, source: source.id });
        }
      } catch (err) {
        outcome = storeError(source.id, err, log, fn);
      }
    }
  }

  const healthHolder = await moveHealth(opts, source, health, outcome).catch((err: Error) => {
    log.error('source health could not be stored', { fn, source: source.id, error: err.message });
    return undefined;
  });
  if (healthHolder) holders.push(healthHolder);
  return { outcome, holders, migrated: state?.migrated !== undefined };
}

function storeError(source: string, err: unknown, log: CoreDeps['log'], fn: string): SourceOutcome {
  const message = (err as Error).message;
  log.error('storing the run failed; its changes are not notified and count as a failed run', { fn, source, error: message });
  return { source, status: 'store-error', error: `store: ${message}`, errorKind: 'store' };
}

/** Open episodes after the steps: resolved ones leave, the rest are kept as the steps left them. */
function nextEpisodes(prev: ReadonlyMap<string, Episode>, steps: readonly EpisodeStep[]): Map<string, Episode> {
  const out = new Map(prev);
  for (const s of steps) {
    if (s.next.resolvedAt !== undefined) out.delete(s.next.episodeId);
    else out.set(s.next.episodeId, s.next);
  }
  return out;
}

/**
 * An open episode the next snapshot no longer points to (its rule or its agent left the config)
 * is resolved here, so no alert stays open with nothing to end it.
 */
function sweep<T>(state: SourceState<T>, planned: Planned<T>, pass: SourcePass<T>, now: number): EpisodeStep[] {
  const referenced = new Set(planned.items.flatMap((i) => pass.episodeIds(i)));
  const stepped = new Set(planned.steps.map((s) => s.next.episodeId));
  const orphans = [...state.episodes.values()].filter((e) => !referenced.has(e.episodeId) && !stepped.has(e.episodeId) && !e.resolvedAt);
  return orphans.map((e) => ({
    kind: 'resolved' as const,
    prev: e,
    next: { ...e, resolvedAt: now, step: (e.step ?? e.version) + 1, version: e.version + 1 },
  }));
}

/** Source down after K failed runs (vendor or store), up again on the first stored answer. */
async function moveHealth(
  opts: TickOptions,
  source: SourceConfig,
  prev: StoredHealth | undefined,
  outcome: SourceOutcome,
): Promise<Holder | undefined> {
  const { fn, config, now, deps } = opts;
  const { store, log } = deps;
  if (outcome.status === 'superseded') return undefined;
  const leftovers = prev?.outbox ?? [];
  const applied = await applyEntries(store, leftovers, log);
  const episode = prev?.episodeId ? await store.episodes.getEpisode(source.id, prev.episodeId) : undefined;
  const hp = planHealth({
    now,
    fn,
    source: source.id,
    prev,
    episode,
    error: outcome.status === 'ok' ? undefined : outcome.error,
    downAfter: config.sourceDownAfter,
    silenced: isSilenced(config.silences, now, source.id, source.id, []),
  });
  let current: StoredHealth | undefined = prev;
  if (hp.changed) {
    const entries = toEntries(hp.steps, config.channels, now);
    const next: StoredHealth = { ...hp.health, outbox: [...leftovers, ...entries] };
    if (!(await store.health.save(fn, next, hp.prevVersion))) return undefined;
    for (const id of await applyEntries(store, entries, log)) applied.add(id);
    current = next;
  }
  if (!current?.outbox.length) return undefined;
  const stored = current;
  return {
    source: source.id,
    entries: stored.outbox,
    applied,
    record: (settle) => store.health.record(fn, stored, settle),
  };
}

export type { Store };
