import { planAgents } from '#shared/alerting/agents';
import { isOpen } from '#shared/alerting/business-hours';
import type { Config } from '#shared/config/schema';
import { FN } from '#shared/contracts/names';
import { type CoreDeps, commitEpisodes, type RunReport, runFunctionTick } from './tick';

export type { CoreDeps, RunReport } from './tick';

/** One scheduled tick of the agent-status function: every source, isolated from the others. */
export function runAgentStatus(config: Config, tick: string, now: number, deps: CoreDeps): Promise<RunReport> {
  const { store, log } = deps;
  return runFunctionTick({ fn: FN.agentStatus, sources: config.sources, config, tick, now, deps }, async (source, won) => {
    const observed = await (await deps.readers.get(source)).readAgents(now);
    return async () => {
      const previous = await store.snapshots.loadAgents(source.id);
      const episodes = await store.episodes.loadEpisodes(
        source.id,
        previous.flatMap((p) => (p.episodeId ? [p.episodeId] : [])),
      );
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
      const lost = await store.snapshots.writeAgents(plan.agentWrites);
      if (lost.size) log.warn('another run updated some agents first; leaving them to it', { source: source.id, agents: lost.size });
      won.push(
        ...(await commitEpisodes(
          store,
          plan.episodeWrites.filter((w) => !lost.has(w.next.subjectId)),
          log,
        )),
      );
      return { agents: observed.length, byState: plan.byState, changes: plan.agentWrites.length, openAlerts: plan.openAlerts };
    };
  });
}
