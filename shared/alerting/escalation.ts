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
  if (episode.tier >= 2) return false;
  if (rule.escalateAfter !== undefined && forSec >= rule.escalateAfter) return true;
  const unackedSince = Math.max(episode.firedAt, episode.snoozeUntil ?? 0);
  return rule.escalateIfNotAckedAfter !== undefined && now - unackedSince >= rule.escalateIfNotAckedAfter * 1000;
}
