import type { EscalationPolicy } from '#shared/config/schema';
import { formatDuration } from '#shared/model/duration';
import type { Episode } from '#shared/model/items';
import type { Severity } from '#shared/model/severity';
import { reached } from './due';

/** Why an escalation is due, in the words an email gives ("not acknowledged within 10m"); undefined when it is not. */
export function escalationReason(
  rule: { escalateAfter?: number | undefined; escalateIfNotAckedAfter?: number | undefined },
  episode: Episode,
  forSec: number,
  now: number,
): string | undefined {
  if (episode.tier >= 2) return undefined;
  if (rule.escalateAfter !== undefined && reached(forSec * 1000, rule.escalateAfter))
    return `still so after ${formatDuration(rule.escalateAfter)}`;
  const unackedSince = Math.max(episode.firedAt, episode.snoozeUntil ?? 0);
  if (rule.escalateIfNotAckedAfter !== undefined && reached(now - unackedSince, rule.escalateIfNotAckedAfter))
    return `not acknowledged within ${formatDuration(rule.escalateIfNotAckedAfter)}${episode.snoozeUntil ? ' of the snooze ending' : ''}`;
  return undefined;
}

/** What a rule under an escalation policy needs of it: the levels, and the rule's severities for levels that name none. */
export interface PolicyRule {
  policy: EscalationPolicy;
  severity: Severity;
  escalateSeverity: Severity;
}

export interface LevelChange {
  level: number;
  cycle: number;
  severity: Severity;
  channels: string[];
  why: string;
}

/** A level's severity: its own, else the rule's on the first level and its escalateSeverity after. */
export function levelSeverity(p: PolicyRule, level: number): Severity {
  return p.policy.levels[level]?.severity ?? (level === 0 ? p.severity : p.escalateSeverity);
}

/**
 * The next level an open episode under a policy is due to reach (the caller checks it is not
 * acknowledged): each level comes its own delay after the level before was reached, or after a
 * snooze ended, whichever is later. After the last, with `repeat`, the first level again, the last
 * two levels' gap later, up to `repeat` times.
 */
export function nextLevel(p: PolicyRule, episode: Episode, now: number): LevelChange | undefined {
  const { levels, repeat } = p.policy;
  const level = Math.min(episode.level ?? 0, levels.length - 1);
  const cycle = episode.cycle ?? 0;
  let to = level + 1;
  let toCycle = cycle;
  let delaySec: number;
  if (to < levels.length) delaySec = levels[to]!.after - levels[level]!.after;
  else if (repeat !== undefined && cycle < repeat && levels.length > 1) {
    to = 0;
    toCycle = cycle + 1;
    delaySec = levels[levels.length - 1]!.after - levels[levels.length - 2]!.after;
  } else return undefined;
  const reachedAt = episode.levelAt ?? episode.firedAt;
  const since = Math.max(reachedAt, episode.snoozeUntil ?? 0);
  if (!reached(now - since, delaySec)) return undefined;
  const waited = `not acknowledged within ${formatDuration(delaySec)}${since > reachedAt ? ' of the snooze ending' : ''}`;
  const why =
    to === 0
      ? `${waited}: policy ${p.policy.id} starts again (${toCycle} of ${repeat})`
      : `${waited}: policy ${p.policy.id} level ${to + 1} of ${levels.length}`;
  return { level: to, cycle: toCycle, severity: levelSeverity(p, to), channels: [...levels[to]!.channels], why };
}

/** The channels of the level an episode is at (repeats go there). */
export function levelChannels(p: PolicyRule, episode: Episode): string[] {
  return [...p.policy.levels[Math.min(episode.level ?? 0, p.policy.levels.length - 1)]!.channels];
}

/**
 * Where the resolve of an episode goes when no planner decides it (swept, or closed): every level
 * its rule's policy reached; undefined (by severity) for a rule without a policy, or one removed.
 */
export function resolveChannels(
  rule: { escalation?: string | undefined; severity: Severity; escalateSeverity: Severity } | undefined,
  policies: readonly EscalationPolicy[],
  episode: Episode,
): string[] | undefined {
  const p = rule && policyOf(rule, policies);
  return p && reachedChannels(p, episode);
}

/** Every channel of the levels an episode reached: a resolve, and an acknowledgment, tell them all. */
export function reachedChannels(p: PolicyRule, episode: Episode): string[] {
  const { levels } = p.policy;
  const upTo = (episode.cycle ?? 0) > 0 ? levels.length - 1 : Math.min(episode.level ?? 0, levels.length - 1);
  return [...new Set(levels.slice(0, upTo + 1).flatMap((l) => l.channels))];
}

/** The policy a rule names, with what the planner needs of the rule; undefined for a rule without one. */
export function policyOf(
  rule: { escalation?: string | undefined; severity: Severity; escalateSeverity: Severity },
  policies: readonly EscalationPolicy[],
): PolicyRule | undefined {
  if (rule.escalation === undefined) return undefined;
  const policy = policies.find((p) => p.id === rule.escalation);
  return policy && { policy, severity: rule.severity, escalateSeverity: rule.escalateSeverity };
}
