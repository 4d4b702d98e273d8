import type { Episode, HealthItem } from '#shared/model/items';
import { episodeIdFor } from './episode-id';
import { type EpisodeStep, openEpisode, relayAck, resolveEpisode } from './lifecycle';

export interface HealthPlan {
  health: HealthItem;
  prevVersion?: number;
  changed: boolean;
  steps: EpisodeStep[];
}

/**
 * After K consecutive failed runs (vendor or store trouble alike) a source is down: one critical
 * alert, resolved by the first complete answer that is stored. Source errors never touch agent state.
 * A source whose secret still holds the deploy's placeholders is not configured: no failed run,
 * no step of any kind (an open "source down" stays as it is), only the mark and since when.
 */
export function planHealth(input: {
  now: number;
  /** The function whose runs these are (agent-status, preview-tasks). */
  fn: string;
  source: string;
  /** What is down, when not the whole source: one shard of it ("nx:2/4"). Its health is kept apart. */
  unit?: string;
  prev: HealthItem | undefined;
  episode: Episode | undefined;
  error: string | undefined;
  /** The run did not read: the secret still holds placeholders (then `error` is ignored). */
  notConfigured?: { secretId: string } | undefined;
  downAfter: number;
  silenced: boolean;
  /** Pass an acknowledgment of the open alert on to PagerDuty / Opsgenie / chat (some channel has one). */
  relayAcks?: boolean;
}): HealthPlan {
  const { now, source, prev, downAfter, notConfigured } = input;
  const error = notConfigured ? undefined : input.error;
  const unit = input.unit ?? source;
  const steps: EpisodeStep[] = [];
  const subjectName = `${unit} (${input.fn})`;
  const failures = error ? (prev?.consecutiveFailures ?? 0) + 1 : 0;
  let episode = input.episode && !input.episode.resolvedAt ? input.episode : undefined;
  if (error && !episode && failures >= downAfter && !input.silenced) {
    const step = openEpisode(
      {
        episodeId: episodeIdFor(unit, 'source', input.fn, now),
        source,
        kind: 'source',
        subjectId: unit,
        subjectName: unit,
        ruleId: 'source-down',
        startedAt: now,
        severity: 'critical',
        tier: 2,
        escalated: false,
      },
      now,
      { subjectName, forSec: 0, detail: `${failures} failed runs in a row; last: ${error}` },
    );
    steps.push(step);
    episode = step.next;
  } else if (!error && !notConfigured && episode) {
    steps.push(resolveEpisode(episode, now, input.silenced ? undefined : { subjectName, detail: 'source answers completely again' }));
    episode = undefined;
  } else if (episode && input.relayAcks) {
    const relay = relayAck(episode, now, { subjectName, detail: input.error ?? prev?.lastError ?? 'source down' });
    if (relay) steps.push(relay);
  }
  const health: HealthItem = {
    source: unit,
    consecutiveFailures: failures,
    ...(error ? { lastError: error.slice(0, 500) } : {}),
    ...(episode ? { episodeId: episode.episodeId } : {}),
    ...(notConfigured ? { notConfigured: { secretId: notConfigured.secretId, since: prev?.notConfigured?.since ?? now } } : {}),
    version: (prev?.version ?? 0) + 1,
  };
  // a healthy source that stays healthy costs no write
  const changed =
    !prev ||
    prev.consecutiveFailures !== health.consecutiveFailures ||
    prev.lastError !== health.lastError ||
    prev.episodeId !== health.episodeId ||
    prev.notConfigured?.secretId !== health.notConfigured?.secretId ||
    steps.length > 0;
  return { health, ...(prev ? { prevVersion: prev.version } : {}), changed, steps };
}
