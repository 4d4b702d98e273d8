import type { AgentRule, Silence } from '#shared/config/schema';
import type { AgentState, NormalizedAgent } from '#shared/model/agent';
import { type AgentItem, type Episode, isQuiet } from '#shared/model/items';
import { episodeIdFor } from './episode-id';
import type { EpisodeWrite } from './episode-write';
import { escalationDue } from './escalation';
import { isSilenced, scopeMatches } from './scope';

/**
 * A vendor-reported start that moves later by more than this means the agent left the state and
 * came back between two polls. Less is lag (a vendor cache, a slow poll), never a reason to
 * resolve and page again; a restart hidden inside a state's first 90 s costs nothing.
 */
const RESTART_THRESHOLD_MS = 90_000;

export interface AgentWrite {
  item: AgentItem;
  prevVersion?: number;
}

export interface AgentPlan {
  agentWrites: AgentWrite[];
  episodeWrites: EpisodeWrite[];
  byState: Record<AgentState, number>;
  /** Agents with an open alert episode after this run. */
  openAlerts: number;
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
export function stateSince(prev: AgentItem | undefined, obs: NormalizedAgent): number {
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
  /** A complete answer: every agent of the source. */
  observed: readonly NormalizedAgent[];
  previous: readonly AgentItem[];
  /** Open episodes referenced by the previous items. */
  episodes: ReadonlyMap<string, Episode>;
  rules: readonly AgentRule[];
  silences: readonly Silence[];
  /** Whether the source is inside business hours at `now`. */
  open: boolean;
}

function sameItem(a: AgentItem, b: AgentItem): boolean {
  const { version: _va, ...ra } = a;
  const { version: _vb, ...rb } = b;
  return JSON.stringify(ra, Object.keys(ra).sort()) === JSON.stringify(rb, Object.keys(rb).sort());
}

/**
 * Diffs one source's complete answer against its snapshot. Pure: the caller stores the writes,
 * guarded by versions, and publishes only the notices whose episode write won.
 */
export function planAgents(input: AgentPlanInput): AgentPlan {
  const { now, source, rules, silences, open } = input;
  const prevById = new Map(input.previous.map((p) => [p.agentId, p]));
  const observed = new Map(input.observed.map((o) => [o.agentId, o]));
  // an agent missing from a complete answer has signed off
  for (const prev of input.previous) {
    if (!observed.has(prev.agentId)) {
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
  }
  const plan: AgentPlan = {
    agentWrites: [],
    episodeWrites: [],
    byState: { offline: 0, idle: 0, busy: 0, wrapup: 0, break: 0, other: 0 },
    openAlerts: 0,
  };

  for (const obs of observed.values()) {
    plan.byState[obs.state]++;
    const prev = prevById.get(obs.agentId);
    const since = stateSince(prev, obs);
    const rule = pickRule(rules, obs);
    let run: AgentItem['run'];
    if (rule) {
      const sameState = prev && prev.state === obs.state && prev.vendorState === obs.vendorState && prev.reasonCode === obs.reasonCode;
      const continuing = prev?.run?.ruleId === rule.id && (sameState ? prev.since === since : ruleCovers(rule, prev!));
      run = continuing ? prev!.run : { ruleId: rule.id, since };
    }
    const silenced = isSilenced(silences, now, source, obs.agentId, obs.groups);
    const suppressed = silenced || !open;
    const agentDetail = {
      groups: obs.groups,
      state: obs.state,
      vendorState: obs.vendorState,
      ...(obs.reason ? { reason: obs.reason } : {}),
      ...(obs.inferred ? { inferred: true } : {}),
    };
    const base = { kind: 'agent' as const, source, subjectId: obs.agentId, subjectName: obs.name, agent: agentDetail };

    let episode = prev?.episodeId ? input.episodes.get(prev.episodeId) : undefined;
    if (episode && !episode.resolvedAt && (!run || run.ruleId !== episode.ruleId || run.since !== episode.startedAt)) {
      const next: Episode = { ...episode, resolvedAt: now, version: episode.version + 1 };
      const endedRule = rules.find((r) => r.id === episode!.ruleId);
      const notify = (endedRule?.notifyResolved ?? true) && !silenced;
      plan.episodeWrites.push({
        next,
        prev: episode,
        ...(notify
          ? {
              notice: {
                ...base,
                status: 'resolved',
                severity: episode.severity,
                ruleId: episode.ruleId,
                episodeId: episode.episodeId,
                startedAt: episode.startedAt,
                forSec: (now - episode.startedAt) / 1000,
              },
            }
          : {}),
      });
      episode = undefined;
    }
    if (episode?.resolvedAt) episode = undefined;

    if (rule && run) {
      const forSec = (now - run.since) / 1000;
      const common = { ...base, ruleId: rule.id, startedAt: run.since, forSec };
      if (!episode && forSec >= rule.after && !suppressed) {
        const escalated = rule.escalateAfter !== undefined && forSec >= rule.escalateAfter;
        const severity = escalated ? rule.escalateSeverity : rule.severity;
        const next: Episode = {
          episodeId: episodeIdFor(source, 'agent', obs.agentId, rule.id, run.since),
          source,
          kind: 'agent',
          subjectId: obs.agentId,
          ruleId: rule.id,
          startedAt: run.since,
          tier: escalated ? 2 : 1,
          severity,
          firedAt: now,
          lastNotifiedAt: now,
          subjectName: obs.name,
          version: 1,
        };
        plan.episodeWrites.push({
          next,
          notice: { ...common, status: escalated ? 'escalated' : 'firing', severity, episodeId: next.episodeId },
        });
        episode = next;
      } else if (episode && !suppressed && !isQuiet(episode, now)) {
        if (escalationDue(rule, episode, forSec, now)) {
          const next: Episode = { ...episode, tier: 2, severity: rule.escalateSeverity, lastNotifiedAt: now, version: episode.version + 1 };
          plan.episodeWrites.push({
            next,
            prev: episode,
            notice: { ...common, status: 'escalated', severity: next.severity, episodeId: episode.episodeId },
          });
        } else if (rule.repeatEvery !== undefined && now - episode.lastNotifiedAt >= rule.repeatEvery * 1000) {
          const next: Episode = { ...episode, lastNotifiedAt: now, version: episode.version + 1 };
          plan.episodeWrites.push({
            next,
            prev: episode,
            notice: { ...common, status: 'repeat', severity: episode.severity, episodeId: episode.episodeId },
          });
        }
      }
    }

    const item: AgentItem = {
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
      version: (prev?.version ?? 0) + 1,
    };
    if (item.episodeId) plan.openAlerts++;
    if (!prev || !sameItem(prev, item)) plan.agentWrites.push({ item, ...(prev ? { prevVersion: prev.version } : {}) });
  }
  return plan;
}
