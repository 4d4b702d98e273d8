import type { Config } from './config';
import { mapLimit } from './concurrency';
import { isSilenced, planHealth, type EpisodeWrite } from './engine';
import type { AgentState } from './model';
import type { Publisher } from './notifier';
import type { ReaderPool } from './readers';
import type { Store } from './store';
import type { Log } from './log';
import type { SourceConfig } from './vendors/index';

export interface SourceOutcome {
  source: string;
  /** ok: complete answer diffed; failed: vendor trouble, state kept; duplicate: this tick already ran; store-error: DynamoDB trouble. */
  status: 'ok' | 'failed' | 'duplicate' | 'store-error';
  agents?: number;
  tasks?: number;
  byState?: Record<AgentState, number>;
  changes?: number;
  /** Time spent reading the vendor, and storing the plan. */
  readMs?: number;
  storeMs?: number;
  /** Subjects (agents, tasks) with an open alert episode after this run. */
  openAlerts?: number;
  error?: string;
  errorKind?: string;
}

export interface CoreDeps {
  store: Store;
  publisher: Publisher;
  readers: ReaderPool;
  log: Log;
}

/**
 * Stores episode steps (a run makes at most one per episode, so they are independent and go in
 * parallel, bounded); returns those whose write won: their notices are to be sent.
 */
export async function commitEpisodes(store: Store, writes: readonly EpisodeWrite[]): Promise<EpisodeWrite[]> {
  const results = await mapLimit(writes, 16, (w) => store.writeEpisode(w));
  return writes.filter((_, i) => results[i]);
}

/**
 * One function's scheduled tick for one source, isolated from the others: claim the tick (a
 * re-delivered event stands down), let `work` read the vendor and store its plan, then move the
 * source's health (and "source down" alert) and mark the tick done. `work` throws SourceError for
 * vendor trouble (nothing stored) and anything else for store trouble.
 */
export async function runSourceTick(opts: {
  fn: string;
  source: SourceConfig;
  config: Config;
  tick: string;
  now: number;
  deps: CoreDeps;
  won: EpisodeWrite[];
  /** Reads the vendor; returns a function that stores the plan, or throws for vendor trouble. */
  read: () => Promise<() => Promise<Partial<SourceOutcome>>>;
}): Promise<SourceOutcome> {
  const { fn, source, config, tick, now, deps, won } = opts;
  const { store, log } = deps;
  let outcome: SourceOutcome = { source: source.id, status: 'ok' };
  try {
    if (!(await store.claimRun(fn, source.id, tick, now))) {
      log.info('tick already processed for this source; standing down', { fn, source: source.id, tick });
      return { source: source.id, status: 'duplicate' };
    }
  } catch (err) {
    return { source: source.id, status: 'store-error', error: (err as Error).message };
  }

  let commit: (() => Promise<Partial<SourceOutcome>>) | undefined;
  const readStart = performance.now();
  try {
    commit = await opts.read();
    outcome.readMs = Math.round(performance.now() - readStart);
  } catch (err) {
    outcome = { ...outcome, status: 'failed', error: (err as Error).message, errorKind: (err as { kind?: string }).kind ?? 'unknown' };
    log.warn('source read failed; its stored state is kept', { fn, source: source.id, error: outcome.error });
  }

  try {
    const storeStart = performance.now();
    if (commit) outcome = { ...outcome, ...(await commit()), storeMs: Math.round(performance.now() - storeStart) };
    const health = await store.loadHealth(fn, source.id);
    const healthEpisode = health?.episodeId ? await store.getEpisode(source.id, health.episodeId) : undefined;
    const hp = planHealth({
      now,
      fn,
      source: source.id,
      prev: health,
      episode: healthEpisode,
      error: outcome.error,
      downAfter: config.sourceDownAfter,
      silenced: isSilenced(config.silences, now, source.id, source.id, []),
    });
    if (hp.changed && (await store.writeHealth(fn, hp.health, hp.prevVersion))) won.push(...(await commitEpisodes(store, hp.episodeWrites)));
    await store.finishRun(fn, source.id, tick, now, outcome.status);
  } catch (err) {
    log.error('storing the run failed; its unstored changes are not notified', { fn, source: source.id, error: (err as Error).message });
    return { ...outcome, status: 'store-error', error: (err as Error).message };
  }
  return outcome;
}
