import type { Episode, HealthItem } from '#shared/model/items';
import { episodeIdFor } from './episode-id';
import type { EpisodeWrite } from './episode-write';

export interface HealthPlan {
  health: HealthItem;
  prevVersion?: number;
  changed: boolean;
  episodeWrites: EpisodeWrite[];
}

/**
 * After K consecutive failed runs a source is down: one critical alert, resolved by the first
 * complete answer. Source errors never touch agent state.
 */
export function planHealth(input: {
  now: number;
  /** The function whose runs these are (agent-status, preview-tasks). */
  fn: string;
  source: string;
  prev: HealthItem | undefined;
  episode: Episode | undefined;
  error: string | undefined;
  downAfter: number;
  silenced: boolean;
}): HealthPlan {
  const { now, source, prev, error, downAfter } = input;
  const episodeWrites: EpisodeWrite[] = [];
  const base = { kind: 'source' as const, source, subjectId: source, subjectName: `${source} (${input.fn})`, ruleId: 'source-down' };
  const failures = error ? (prev?.consecutiveFailures ?? 0) + 1 : 0;
  let episode = input.episode && !input.episode.resolvedAt ? input.episode : undefined;
  if (error && !episode && failures >= downAfter && !input.silenced) {
    const startedAt = now;
    const next: Episode = {
      episodeId: episodeIdFor(source, 'source', input.fn, startedAt),
      source,
      kind: 'source',
      subjectId: source,
      ruleId: 'source-down',
      startedAt,
      tier: 2,
      severity: 'critical',
      firedAt: now,
      lastNotifiedAt: now,
      subjectName: source,
      version: 1,
    };
    episodeWrites.push({
      next,
      notice: {
        ...base,
        status: 'firing',
        severity: 'critical',
        episodeId: next.episodeId,
        startedAt,
        forSec: 0,
        detail: `${failures} failed runs in a row; last: ${error}`,
      },
    });
    episode = next;
  } else if (!error && episode) {
    episodeWrites.push({
      next: { ...episode, resolvedAt: now, version: episode.version + 1 },
      prev: episode,
      ...(input.silenced
        ? {}
        : {
            notice: {
              ...base,
              status: 'resolved' as const,
              severity: episode.severity,
              episodeId: episode.episodeId,
              startedAt: episode.startedAt,
              forSec: (now - episode.startedAt) / 1000,
              detail: 'source answers completely again',
            },
          }),
    });
    episode = undefined;
  }
  const health: HealthItem = {
    source,
    consecutiveFailures: failures,
    ...(error ? { lastError: error.slice(0, 500) } : {}),
    ...(episode ? { episodeId: episode.episodeId } : {}),
    version: (prev?.version ?? 0) + 1,
  };
  // a healthy source that stays healthy costs no write
  const changed =
    !prev ||
    prev.consecutiveFailures !== health.consecutiveFailures ||
    prev.lastError !== health.lastError ||
    prev.episodeId !== health.episodeId;
  return { health, ...(prev ? { prevVersion: prev.version } : {}), changed, episodeWrites };
}
