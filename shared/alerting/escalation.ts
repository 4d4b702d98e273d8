import { formatDuration } from '#shared/model/duration';
import type { Episode } from '#shared/model/items';

/**
 * Escalate a tier-1 episode (not while acknowledged; the caller checks) when it has lasted
 * `escalateAfter`, or when nobody acknowledged it within `escalateIfNotAckedAfter` of firing
 * (or of a snooze's end).
 */
export function escalationDue(
  rule: { escalateAfter?: number | undefined; escalateIfNotAckedAfter?: number | undefined },
  episode: Episode,
  forSec: number,
  now: number,
): boolean {
  return escalationReason(rule, episode, forSec, now) !== undefined;
}

/** Why an escalation is due, in the words an email gives ("not acknowledged within 10m"); undefined when it is not. */
export function escalationReason(
  rule: { escalateAfter?: number | undefined; escalateIfNotAckedAfter?: number | undefined },
  episode: Episode,
  forSec: number,
  now: number,
): string | undefined {
  if (episode.tier >= 2) return undefined;
  if (rule.escalateAfter !== undefined && forSec >= rule.escalateAfter) return `still so after ${formatDuration(rule.escalateAfter)}`;
  const unackedSince = Math.max(episode.firedAt, episode.snoozeUntil ?? 0);
  if (rule.escalateIfNotAckedAfter !== undefined && now - unackedSince >= rule.escalateIfNotAckedAfter * 1000)
    return `not acknowledged within ${formatDuration(rule.escalateIfNotAckedAfter)}${episode.snoozeUntil ? ' of the snooze ending' : ''}`;
  return undefined;
}
