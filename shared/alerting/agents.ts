import type { AgentRule, EscalationPolicy, Silence } from '#shared/config/schema';
import type { AgentState, NormalizedAgent } from '#shared/model/agent';
import type { AgentSnapshot, Episode } from '#shared/model/items';
import { reached } from './due';
import { episodeIdFor } from './episode-id';
import { escalationReason, levelSeverity, policyOf, reachedChannels } from './escalation';
import { continueEpisode, type EpisodeStep, openEpisode, resolveEpisode } from './lifecycle';
import { isSilenced, scopeMatches } from './scope';

/**
 * A vendor-reported start that moves later by more than this means the agent left the state and
 * came back between two polls. Less is lag (a vendor cache, a slow poll), never a reason to
 * resolve and page again; a restart hidden inside a state's first 90 s costs nothing.
 */
const RESTART_THRESHOLD_MS = 90_000;

/** Reads in a row an agent may be left out of a partial answer before it is taken as removed. */
export const MISSED_READS_BEFORE_REMOVAL = 3;

export interface AgentPlan {
  /** The source's next snapshot: every agent. */
  agents: AgentSnapshot[];
  steps: EpisodeStep[];
  byState: Record<AgentState, number>;
  /** Agents with an open alert episode after this run. */
  openAlerts: number;
  /** Agents whose snapshot changed. */
  changes: number;
  /** Agents left out of partial answers too many times in a row, now taken as removed. */
  removed: string[];
}

/** Agents over groups over sources over everyone; narrower state filters break ties. */
function specificity(rule: AgentRule): number {
  const s = rule.scope;
  const scope = s.agents.length ? 300 : s.groups.length ? 200 : s.sources.length ? 100 : 0;
  return scope + (rule.vendorStates ? 10 : 0) + (rule.reasons ? 10 : 0);
}

function ruleCovers(rule: AgentRule, a: { state: AgentState; vendorState: string; reasonCode?: string | undefined }): boolean {
  return (
    (rule.states as AgentState[]).includes(a.state) &&
    (!rule.vendorStates || rule.vendorStates.includes(a.vendorState)) &&
    (!rule.reasons || (a.reasonCode !== undefined && rule.reasons.includes(a.reasonCode)))
  );
}

/** The one rule that governs this agent now: the most specific match, first in config order on a tie. */
export function pickRule(
  rules: readonly AgentRule[],
  a: Pick<NormalizedAgent, 'source' | 'agentId' | 'groups' | 'state' | 'vendorState' | 'reasonCode'>,
): AgentRule | undefined {
  let best: AgentRule | undefined;
  for (const rule of rules) {
    if (!ruleCovers(rule, a) || !scopeMatches(rule.scope, a.source, a.agentId, a.groups)) continue;
    if (!best || specificity(rule) > specificity(best)) best = rule;
  }
  return best;
}

/** When the current state began: kept while unchanged, vendor-reported where the vendor says. */
export function stateSince(prev: AgentSnapshot | undefined, obs: NormalizedAgent): number {
  const vendorSince = obs.inStateForSec !== undefined ? obs.observedAt - obs.inStateForSec * 1000 : undefined;
  const same = prev && prev.state === obs.state && prev.vendorState === obs.vendorState && prev.reasonCode === obs.reasonCode;
  if (same) {
    if (vendorSince !== undefined && vendorSince - prev.since > RESTART_THRESHOLD_MS) return vendorSince;
    // the vendor knows the state began earlier than we first saw it
    if (vendorSince !== undefined && prev.since - vendorSince > RESTART_THRESHOLD_MS) return vendorSince;
    return prev.since;
  }
  return vendorSince ?? obs.observedAt - (obs.inStateAtLeastSec ?? 0) * 1000;
}

export interface AgentPlanInput {
  now: number;
  source: string;
  /** What the vendor answered. */
  observed: readonly NormalizedAgent[];
  /**
   * Agents the answer cannot tell about (AgentRead.unreported): it says nothing about them, so
   * their snapshot stands, until MISSED_READS_BEFORE_REMOVAL in a row.
   */
  unreported?: ReadonlySet<string>;
  previous: readonly AgentSnapshot[];
  /** Open episodes referenced by the previous snapshot. */
  episodes: ReadonlyMap<string, Episode>;
  rules: readonly AgentRule[];
  /** The escalation policies rules may name. */
  policies?: readonly EscalationPolicy[];
  /** Pass acknowledgments on to PagerDuty / Opsgenie / chat (some channel has one). */
  relayAcks?: boolean;
  silences: readonly Silence[];
  /** Whether the source is inside business hours at `now`. */
  open: boolean;
  /**
   * Time since the last complete read beyond one poll interval (failed reads in between). Not
   * counted as time in state for a rule that has not fired, unless the vendor reports the time.
   */
  unobservedMs?: number;
}

function sameSnapshot(a: AgentSnapshot, b: AgentSnapshot): boolean {
  return JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
}

/** The previous snapshot with an unobserved gap taken out of its time in state (nothing fired yet). */
function withoutGap(prev: AgentSnapshot, gapMs: number): AgentSnapshot {
  return { ...prev, since: prev.since + gapMs, ...(prev.run ? { run: { ...prev.run, since: prev.run.since + gapMs } } : {}) };
}

/**
 * Diffs one source's answer against its snapshot. Pure: the caller stores the next snapshot and
 * the steps together, and delivers the steps' notices from there.
 */
export function planAgents(input: AgentPlanInput): AgentPlan {
  const { now, source, rules, silences, open } = input;
  const policies = input.policies ?? [];
  const unreported = input.unreported ?? new Set<string>();
  const gapMs = Math.max(0, input.unobservedMs ?? 0);
  const observed = new Map(input.observed.map((o) => [o.agentId, o]));
  const plan: AgentPlan = {
    agents: [],
    steps: [],
    byState: { offline: 0, idle: 0, busy: 0, wrapup: 0, break: 0, other: 0 },
    openAlerts: 0,
    changes: 0,
    removed: [],
  };
  const kept = new Set<string>();
  for (const prev of input.previous) {
    if (observed.has(prev.agentId)) continue;
    if (unreported.has(prev.agentId) && prev.state === 'offline' && prev.missed === undefined) {
      // signed off already, and still not told of: nothing to keep or count, and no change to store
      // (an NXCloud agent signed off is unreported every tick: its window holds no time)
      plan.agents.push(prev);
      plan.byState.offline++;
      if (prev.episodeId && !input.episodes.get(prev.episodeId)?.resolvedAt) plan.openAlerts++;
      kept.add(prev.agentId);
      continue;
    }
    const missed = (prev.missed ?? 0) + 1;
    if (unreported.has(prev.agentId) && missed < MISSED_READS_BEFORE_REMOVAL) {
      // a partial answer: this agent's snapshot and alert stand as they were
      plan.agents.push({ ...prev, missed });
      plan.changes++;
      plan.byState[prev.state]++;
      if (prev.episodeId && !input.episodes.get(prev.episodeId)?.resolvedAt) plan.openAlerts++;
      kept.add(prev.agentId);
      continue;
    }
    if (unreported.has(prev.agentId)) plan.removed.push(prev.agentId);
    // missing from a complete answer (or too long from partial ones): signed off
    observed.set(prev.agentId, {
      source,
      agentId: prev.agentId,
      name: prev.name,
      groups: prev.groups,
      state: 'offline',
      vendorState: 'absent',
      observedAt: now,
    });
  }
  const prevById = new Map(input.previous.map((p) => [p.agentId, p]));

  for (const obs of observed.values()) {
    if (kept.has(obs.agentId)) continue;
    plan.byState[obs.state]++;
    const stored = prevById.get(obs.agentId);
    const storedEpisode = stored?.episodeId ? input.episodes.get(stored.episodeId) : undefined;
    const firing = storedEpisode !== undefined && storedEpisode.resolvedAt === undefined;
    const prev = stored && gapMs > 0 && !firing && obs.inStateForSec === undefined ? withoutGap(stored, gapMs) : stored;
    const since = stateSince(prev, obs);
    const rule = pickRule(rules, obs);
    let run: AgentSnapshot['run'];
    if (rule) {
      const sameState = prev && prev.state === obs.state && prev.vendorState === obs.vendorState && prev.reasonCode === obs.reasonCode;
      const continuing = prev?.run?.ruleId === rule.id && (sameState ? prev.since === since : ruleCovers(rule, prev!));
      run = continuing ? prev!.run : { ruleId: rule.id, since };
    }
    const silenced = isSilenced(silences, now, source, obs.agentId, obs.groups, rule?.id ?? stored?.run?.ruleId);
    const suppressed = silenced || !open;
    const agent = {
      groups: obs.groups,
      state: obs.state,
      vendorState: obs.vendorState,
      ...(obs.reason ? { reason: obs.reason } : {}),
      ...(obs.reasonCode ? { reasonCode: obs.reasonCode } : {}),
      ...(obs.inferred ? { inferred: true } : {}),
    };

    let episode = firing ? storedEpisode : undefined;
    if (episode && (!run || run.ruleId !== episode.ruleId || run.since !== episode.startedAt)) {
      const endedRule = rules.find((r) => r.id === episode!.ruleId);
      const notify = (endedRule?.notifyResolved ?? true) && !silenced;
      const p = endedRule && policyOf(endedRule, policies);
      plan.steps.push(
        resolveEpisode(episode, now, notify ? { subjectName: obs.name, agent } : undefined, p && reachedChannels(p, episode)),
      );
      episode = undefined;
    }

    if (rule && run) {
      const forSec = (now - run.since) / 1000;
      const detail = { subjectName: obs.name, agent, forSec };
      const p = policyOf(rule, policies);
      if (!episode && reached(now - run.since, rule.after) && !suppressed) {
        // a policy starts at its first level; without one, a rule may fire straight into its escalation
        const escalated = !p && rule.escalateAfter !== undefined && reached(now - run.since, rule.escalateAfter);
        const step = openEpisode(
          {
            // with the time it fires: an agent whose alert was closed without its state ending (its
            // source left the configuration and came back) gets a new alert, not the closed one's id
            episodeId: episodeIdFor(source, 'agent', obs.agentId, rule.id, run.since, now),
            source,
            kind: 'agent',
            subjectId: obs.agentId,
            subjectName: obs.name,
            ruleId: rule.id,
            startedAt: run.since,
            severity: p ? levelSeverity(p, 0) : escalated ? rule.escalateSeverity : rule.severity,
            tier: escalated ? 2 : 1,
            escalated,
            policyChannels: p?.policy.levels[0]?.channels,
          },
          now,
          detail,
        );
        plan.steps.push(step);
        episode = step.next;
      } else if (episode) {
        const step = continueEpisode(episode, now, {
          rule,
          policy: p,
          suppressed,
          escalationWhy: () => escalationReason(rule, episode!, forSec, now),
          relayAcks: input.relayAcks ?? false,
          detail,
        });
        if (step) plan.steps.push(step);
      }
    }

    const next: AgentSnapshot = {
      source,
      agentId: obs.agentId,
      name: obs.name,
      groups: obs.groups,
      state: obs.state,
      vendorState: obs.vendorState,
      ...(obs.reasonCode ? { reasonCode: obs.reasonCode } : {}),
      ...(obs.reason ? { reason: obs.reason } : {}),
      ...(obs.inferred ? { inferred: true } : {}),
      since,
      ...(run ? { run } : {}),
      ...(episode ? { episodeId: episode.episodeId } : {}),
    };
    if (next.episodeId) plan.openAlerts++;
    if (!stored || !sameSnapshot(stored, next)) plan.changes++;
    plan.agents.push(next);
  }
  // the snapshot keeps its order (new agents after, by id), whatever order the vendor answered in:
  // its roster is then rewritten only when the roster itself changes
  const rank = new Map(input.previous.map((p, i) => [p.agentId, i]));
  plan.agents.sort((a, b) => {
    const ra = rank.get(a.agentId);
    const rb = rank.get(b.agentId);
    if (ra !== undefined && rb !== undefined) return ra - rb;
    if (ra !== undefined || rb !== undefined) return ra !== undefined ? -1 : 1;
    return a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0;
  });
  return plan;
}
