import type { Config } from './config';
import { isOpen } from './business-hours';
import { mapLimit } from './concurrency';
import { planAgents, type EpisodeWrite, type Notice } from './engine';
import { buildDigests, type Digest } from './notifier';
import { commitEpisodes, runSourceTick, type CoreDeps, type SourceOutcome } from './source-run';

export type { CoreDeps, SourceOutcome } from './source-run';

export const AGENT_STATUS_FN = 'agent-status';

export interface RunReport {
  tick: string;
  sources: SourceOutcome[];
  /** Digests that were published. */
  digests: Digest[];
  /** Channels whose publish failed; their notices go out on the next run. */
  failedChannels: string[];
}

export function timezones(config: Config): Record<string, string> {
  return Object.fromEntries(config.sources.map((s) => [s.id, s.timezone]));
}

/**
 * Publishes one digest per channel, with whatever that channel missed before. A channel whose
 * publish fails keeps its notices in its outbox for the next run, so nothing is lost and the
 * channels that did get them are not sent them again.
 */
export async function publishNotices(
  fn: string,
  won: readonly EpisodeWrite[],
  config: Config,
  now: number,
  deps: Pick<CoreDeps, 'store' | 'publisher' | 'log' | 'ackLink'>,
): Promise<{ digests: Digest[]; failedChannels: string[] }> {
  const fresh = won.flatMap((w) => (w.notice ? [w.notice] : []));
  const published: Digest[] = [];
  const failedChannels: string[] = [];
  for (const channel of config.channels) {
    let waiting: Notice[] = [];
    try {
      waiting = await deps.store.claimOutbox(fn, channel.id);
    } catch (err) {
      deps.log.error('could not read the outbox; earlier unsent alerts wait for the next run', { channel: channel.id, error: (err as Error).message });
    }
    const [digest] = buildDigests([...waiting, ...fresh], [channel], now, timezones(config), deps.ackLink);
    if (!digest) continue;
    try {
      await deps.publisher.publish(digest);
      published.push(digest);
      await deps.store
        .addEvents(digest.notices.map((n) => ({ episodeId: n.episodeId, source: n.source, at: now, event: 'notified' as const, channel: channel.id, severity: n.severity })))
        .catch((err: Error) => deps.log.warn('could not record alert history', { error: err.message }));
    } catch (err) {
      failedChannels.push(channel.id);
      deps.log.error('publish failed; these alerts will be sent on the next run', { channel: channel.id, error: (err as Error).message, alerts: digest.notices.length });
      try {
        await deps.store.putOutbox(fn, channel.id, digest.notices, now);
      } catch (putErr) {
        deps.log.error('could not keep unsent alerts for the next run; they are lost', { channel: channel.id, error: (putErr as Error).message, episodes: digest.notices.map((n) => n.episodeId) });
      }
    }
  }
  return { digests: published, failedChannels };
}

/** One scheduled tick of the agent-status function: every source, isolated from the others. */
export async function runAgentStatus(config: Config, tick: string, now: number, deps: CoreDeps): Promise<RunReport> {
  const won: EpisodeWrite[] = [];
  const { store, log } = deps;
  const sources = await mapLimit(config.sources, 4, (source) =>
    runSourceTick({
      fn: AGENT_STATUS_FN,
      source,
      config,
      tick,
      now,
      deps,
      won,
      read: async () => {
        const observed = await (await deps.readers.get(source)).readAgents(now);
        return async () => {
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
          won.push(...(await commitEpisodes(store, plan.episodeWrites.filter((w) => !lost.has(w.next.subjectId)), log)));
          return { agents: observed.length, byState: plan.byState, changes: plan.agentWrites.length, openAlerts: plan.openAlerts };
        };
      },
    }),
  );
  const { digests, failedChannels } = await publishNotices(AGENT_STATUS_FN, won, config, now, deps);
  return { tick, sources, digests, failedChannels };
}
