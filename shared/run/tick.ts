import type { AckLink } from '#shared/ack/link';
import type { EpisodeWrite } from '#shared/alerting/episode-write';
import { planHealth } from '#shared/alerting/health';
import { isSilenced } from '#shared/alerting/scope';
import type { Config } from '#shared/config/schema';
import type { AgentState } from '#shared/model/agent';
import type { EpisodeEvent } from '#shared/model/items';
import type { Digest } from '#shared/notify/digest';
import type { Publisher } from '#shared/notify/publishers';
import { mapLimit } from '#shared/runtime/concurrency';
import type { Log } from '#shared/runtime/log';
import type { Store } from '#shared/store/store';
import type { SourceConfig } from '#shared/vendors/index';
import type { ReaderPool } from '#shared/vendors/readers';
import { publishNotices } from './publish';

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
  /** The signed acknowledge link for an open alert, where the deployment has the endpoint. */
  ackLink?: AckLink | undefined;
}

/**
 * Stores episode steps (a run makes at most one per episode, so they are independent and go in
 * parallel, bounded); returns those whose write won: their notices are to be sent.
 */
export async function commitEpisodes(store: Store, writes: readonly EpisodeWrite[], log?: Log): Promise<EpisodeWrite[]> {
  const results = await mapLimit(writes, 16, (w) => store.episodes.writeEpisode(w));
  const won = writes.filter((_, i) => results[i]);
  try {
    await store.episodes.addEvents(won.map(historyEvent));
  } catch (err) {
    log?.warn('could not record alert history', { error: (err as Error).message });
  }
  return won;
}

/** The history line for an episode step that was stored. */
export function historyEvent(w: EpisodeWrite): EpisodeEvent {
  const { next, prev } = w;
  const base = { episodeId: next.episodeId, source: next.source, severity: next.severity };
  if (!prev) return { ...base, at: next.firedAt, event: next.tier > 1 ? 'escalated' : 'fired' };
  if (next.resolvedAt !== undefined) return { ...base, at: next.resolvedAt, event: 'resolved' };
  return { ...base, at: next.lastNotifiedAt, event: next.tier > prev.tier ? 'escalated' : 'repeat' };
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
    if (!(await store.runs.claimRun(fn, source.id, tick, now))) {
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
    const health = await store.snapshots.loadHealth(fn, source.id);
    const healthEpisode = health?.episodeId ? await store.episodes.getEpisode(source.id, health.episodeId) : undefined;
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
    if (hp.changed && (await store.snapshots.writeHealth(fn, hp.health, hp.prevVersion)))
      won.push(...(await commitEpisodes(store, hp.episodeWrites, log)));
    await store.runs.finishRun(fn, source.id, tick, now, outcome.status);
  } catch (err) {
    log.error('storing the run failed; its unstored changes are not notified', { fn, source: source.id, error: (err as Error).message });
    return { ...outcome, status: 'store-error', error: (err as Error).message };
  }
  return outcome;
}

export interface RunReport {
  tick: string;
  sources: SourceOutcome[];
  /** Digests that were published. */
  digests: Digest[];
  /** Channels whose publish failed; their notices go out on the next run. */
  failedChannels: string[];
}

/**
 * One scheduled tick of a function: every source through runSourceTick (a few at a time, each
 * isolated from the others), then one digest per channel for all they found.
 */
export async function runFunctionTick(
  opts: { fn: string; sources: readonly SourceConfig[]; config: Config; tick: string; now: number; deps: CoreDeps },
  read: (source: SourceConfig, won: EpisodeWrite[]) => Promise<() => Promise<Partial<SourceOutcome>>>,
): Promise<RunReport> {
  const { fn, config, tick, now, deps } = opts;
  const won: EpisodeWrite[] = [];
  const sources = await mapLimit(opts.sources, 4, (source) =>
    runSourceTick({ fn, source, config, tick, now, deps, won, read: () => read(source, won) }),
  );
  const { digests, failedChannels } = await publishNotices(fn, won, config, now, deps);
  return { tick, sources, digests, failedChannels };
}
