import { type AgentPlan, MISSED_READS_BEFORE_REMOVAL, planAgents } from '#shared/alerting/agents';
import { isOpen } from '#shared/alerting/business-hours';
import type { Config } from '#shared/config/schema';
import { FN } from '#shared/contracts/names';
import type { AgentSnapshot, Episode } from '#shared/model/items';
import { relaysAcks } from '#shared/notify/targets';
import { SourceError } from '#shared/vendors/errors';
import type { SourceConfig } from '#shared/vendors/index';
import { loadUnitAgents, settleLayout } from './reshard';
import { runFunctionTick, type SourcePass } from './tick';
import { type Budget, budgetFor, type CoreDeps, type RunReport } from './types';
import { inShard, type Shard, unitKey } from './units';

export type { CoreDeps, RunReport } from './types';

/** A run's whole time when the caller gives no budget: the schedule interval less the Lambda margin. */
export function defaultBudget(config: Config, start = Date.now()): Budget {
  return budgetFor(start, Math.min(config.schedule.every * 1000 - 5_000, 295_000));
}

/** One scheduled tick of the agent-status function: every source, isolated from the others. */
export function runAgentStatus(
  config: Config,
  tick: string,
  now: number,
  deps: CoreDeps,
  budget = defaultBudget(config),
): Promise<RunReport> {
  return runFunctionTick({ fn: FN.agentStatus, sources: config.sources, config, tick, now, deps, budget }, (source, shard) =>
    agentPass(source, config, now, deps, shard),
  );
}

/** The agent-status pass over one source, or over one shard of it (its own state, its agents only). */
export function agentPass(source: SourceConfig, config: Config, now: number, deps: CoreDeps, shard?: Shard): SourcePass<AgentSnapshot> {
  const { store, log } = deps;
  const fn = FN.agentStatus;
  const key = unitKey(source.id, shard);
  const only = shard && shard.count > 1 ? (agentId: string) => inShard(agentId, shard) : undefined;
  const relayAcks = relaysAcks(config.channels);
  // whether the source's shard count is still to be recorded after this unit's save (run/reshard.ts)
  let settle = false;
  return {
    load: async () => {
      const unit = await loadUnitAgents(store.states, fn, source.id, shard, now, config.schedule.every * 1000);
      settle = unit.settle;
      if (unit.adoptedFrom !== undefined)
        log.info('source re-sharded: this shard takes over its agents from the previous shards', {
          source: key,
          fromShards: unit.adoptedFrom,
          agents: unit.state.items.length,
          openAlerts: unit.state.episodes.size,
        });
      return unit.state;
    },
    plan: async (state, signal, unobservedMs, silences) => {
      const reader = await deps.readers.get(source);
      const { agents: observed, unreported } = await reader.readAgents(now, signal, only);
      // "success" with an empty roster, where the last read had agents signed in, is a vendor in
      // trouble, not everyone deleted at once: taken as absent, every agent would go offline and its
      // alert resolve
      const signedIn = observed.length === 0 && unreported.length === 0 ? state.items.filter((a) => a.state !== 'offline').length : 0;
      if (signedIn > 0) {
        throw new SourceError(
          key,
          'incomplete',
          `the vendor answered with no agents at all, where the last complete read had ${signedIn} signed in (if the roster is empty indeed, the source has nobody to watch: remove it)`,
        );
      }
      const base = {
        now,
        source: source.id,
        observed,
        unreported: new Set(unreported),
        previous: state.items,
        rules: config.agentRules,
        policies: config.escalationPolicies,
        relayAcks,
        silences,
        open: isOpen(now, source.timezone, source.businessHours, source.holidays),
        unobservedMs,
      };
      // acknowledgments are made on the episode items, so the stored copies may not know of one
      let episodes: ReadonlyMap<string, Episode> = state.episodes;
      const freshen = async (ids: Iterable<string>) => {
        const fresh = await store.episodes.loadEpisodes(source.id, [...ids]);
        episodes = new Map([...episodes, ...[...fresh].filter(([, e]) => e.resolvedAt === undefined)]);
      };
      let plan: AgentPlan;
      if (relayAcks) {
        // acknowledgments are passed on to PagerDuty / Opsgenie / chat: every open one is read, so
        // read them before planning, and plan once
        if (episodes.size) await freshen(episodes.keys());
        plan = planAgents({ ...base, episodes });
      } else {
        // read only those a repeat or escalation depends on, or already acknowledged, then plan again
        plan = planAgents({ ...base, episodes });
        const check = new Set([
          ...plan.steps.filter((s) => s.kind === 'repeat' || s.kind === 'escalated').map((s) => s.next.episodeId),
          ...[...episodes.values()].filter((e) => e.ackedAt !== undefined).map((e) => e.episodeId),
        ]);
        if (check.size) {
          await freshen(check);
          plan = planAgents({ ...base, episodes });
        }
      }
      if (plan.removed.length) {
        log.warn(`agents left out of ${MISSED_READS_BEFORE_REMOVAL} answers in a row are taken as removed`, {
          source: key,
          agents: plan.removed,
        });
      }
      return {
        items: plan.agents,
        steps: plan.steps,
        episodes,
        outcome: { agents: observed.length, byState: plan.byState, changes: plan.changes, openAlerts: plan.openAlerts },
      };
    },
    episodeIds: (a) => (a.episodeId ? [a.episodeId] : []),
    save: async (next) => {
      const won = await store.states.saveAgents(fn, key, next, Date.now());
      if (won && settle) {
        // the last unit of a new count to save records it; a failure here is tried again next tick
        await settleLayout(store.states, fn, source.id, shard?.count ?? 1, now, config.schedule.every * 1000).catch((err: Error) =>
          log.warn('shard count not recorded; tried again next run', { source: key, error: err.message }),
        );
      }
      return won;
    },
  };
}
