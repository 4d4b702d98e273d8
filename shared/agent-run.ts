import type { Config } from './config';
import { isOpen } from './business-hours';
import { mapLimit } from './concurrency';
import { isSilenced, planAgents, planHealth, type EpisodeWrite, type Notice } from './engine';
import type { AgentState } from './model';
import { buildDigests, type Digest, type Publisher } from './notifier';
import type { ReaderPool } from './readers';
import type { Store } from './store';
import type { Log } from './log';
import type { SourceConfig } from './vendors/index';

export const AGENT_STATUS_FN = 'agent-status';

export interface SourceOutcome {
  source: string;
  /** ok: complete answer diffed; failed: vendor trouble, state kept; duplicate: this tick already ran; store-error: DynamoDB trouble. */
  status: 'ok' | 'failed' | 'duplicate' | 'store-error';
  agents?: number;
  byState?: Record<AgentState, number>;
  changes?: number;
  error?: string;
  errorKind?: string;
}

export interface RunReport {
  tick: string;
  sources: SourceOutcome[];
  /** Digests that were published. */
  digests: Digest[];
  /** Channels whose publish failed; their notices go out on the next run. */
  failedChannels: string[];
}

export interface CoreDeps {
  store: Store;
  publisher: Publisher;
  readers: ReaderPool;
  log: Log;
}

export function timezones(config: Config): Record<string, string> {
  return Object.fromEntries(config.sources.map((s) => [s.id, s.timezone]));
}

/** Stores the won episode writes' notices; returns the writes whose notices are to be published. */
async function commitEpisodes(store: Store, writes: readonly EpisodeWrite[], skip: ReadonlySet<string> = new Set()): Promise<EpisodeWrite[]> {
  const won: EpisodeWrite[] = [];
  for (const w of writes) {
    if (skip.has(w.next.subjectId)) continue;
    if (await store.writeEpisode(w)) won.push(w);
  }
  return won;
}

async function runSource(source: SourceConfig, config: Config, tick: string, now: number, deps: CoreDeps, won: EpisodeWrite[]): Promise<SourceOutcome> {
  const { store, log } = deps;
  const outcome: SourceOutcome = { source: source.id, status: 'ok' };
  try {
    if (!(await store.claimRun(AGENT_STATUS_FN, source.id, tick, now))) {
      log.info('tick already processed for this source; standing down', { source: source.id, tick });
      return { source: source.id, status: 'duplicate' };
    }
  } catch (err) {
    return { source: source.id, status: 'store-error', error: (err as Error).message };
  }

  let observed;
  try {
    observed = await (await deps.readers.get(source)).readAgents(now);
  } catch (err) {
    outcome.status = 'failed';
    outcome.error = (err as Error).message;
    outcome.errorKind = (err as { kind?: string }).kind ?? 'unknown';
    log.warn('source read failed; its stored state is kept', { source: source.id, error: outcome.error });
  }

  try {
    if (observed) {
      const previous = await store.loadAgents(source.id);
      const episodes = await store.loadEpisodes(source.id, previous.flatMap((p) => (p.episodeId ? [p.episodeId] : [])));
      const plan = planAgents({
        now,
        source: source.id,
        observed,
        previous,
        episodes,
        rules: config.agentRules,
        silences: config.silences,
        open: isOpen(now, source.timezone, source.businessHours),
      });
      const lost = await store.writeAgents(plan.agentWrites);
      if (lost.size) log.warn('another run updated some agents first; leaving them to it', { source: source.id, agents: lost.size });
      won.push(...(await commitEpisodes(store, plan.episodeWrites, lost)));
      Object.assign(outcome, { agents: observed.length, byState: plan.byState, changes: plan.agentWrites.length });
    }
    const health = await store.loadHealth(source.id);
    const healthEpisode = health?.episodeId ? await store.getEpisode(source.id, health.episodeId) : undefined;
    const hp = planHealth({
      now,
      source: source.id,
      prev: health,
      episode: healthEpisode,
      error: outcome.error,
      downAfter: config.sourceDownAfter,
      silenced: isSilenced(config.silences, now, source.id, source.id, []),
    });
    if (hp.changed && (await store.writeHealth(hp.health, hp.prevVersion))) won.push(...(await commitEpisodes(store, hp.episodeWrites)));
    await store.finishRun(AGENT_STATUS_FN, source.id, tick, now, outcome.status);
  } catch (err) {
    log.error('storing the run failed; its unstored changes are not notified', { source: source.id, error: (err as Error).message });
    return { ...outcome, status: 'store-error', error: (err as Error).message };
  }
  return outcome;
}

/**
 * Publishes one digest per channel. A channel whose publish fails gets its episode steps undone,
 * so the next run notifies again instead of losing the page.
 */
export async function publishNotices(
  won: readonly EpisodeWrite[],
  config: Config,
  now: number,
  deps: Pick<CoreDeps, 'store' | 'publisher' | 'log'>,
): Promise<{ digests: Digest[]; failedChannels: string[] }> {
  const notices = won.flatMap((w) => (w.notice ? [w.notice] : []));
  const writeOf = new Map<Notice, EpisodeWrite>(won.flatMap((w) => (w.notice ? [[w.notice, w] as const] : [])));
  const digests = buildDigests(notices, config.channels, now, timezones(config));
  const published: Digest[] = [];
  const failedChannels: string[] = [];
  const toRevert = new Set<EpisodeWrite>();
  for (const digest of digests) {
    try {
      await deps.publisher.publish(digest);
      published.push(digest);
    } catch (err) {
      failedChannels.push(digest.channel.id);
      deps.log.error('publish failed; these alerts will be sent on the next run', { channel: digest.channel.id, error: (err as Error).message, alerts: digest.notices.length });
      for (const n of digest.notices) toRevert.add(writeOf.get(n)!);
    }
  }
  for (const w of toRevert) {
    try {
      await deps.store.revertEpisode(w);
    } catch (err) {
      deps.log.error('could not undo an unpublished alert step', { episode: w.next.episodeId, error: (err as Error).message });
    }
  }
  return { digests: published, failedChannels };
}

/** One scheduled tick of the agent-status function: every source, isolated from the others. */
export async function runAgentStatus(config: Config, tick: string, now: number, deps: CoreDeps): Promise<RunReport> {
  const won: EpisodeWrite[] = [];
  const sources = await mapLimit(config.sources, 4, (s) => runSource(s, config, tick, now, deps, won));
  const { digests, failedChannels } = await publishNotices(won, config, now, deps);
  return { tick, sources, digests, failedChannels };
}
