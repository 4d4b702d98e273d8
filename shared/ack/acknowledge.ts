import type { Episode, EpisodeEvent } from '#shared/model/items';
import type { Store } from '#shared/store/store';

export type AckResult =
  | { ok: true; episode: Episode; action: 'acked' | 'snoozed' | 'unacked' }
  | { ok: false; reason: 'not-found' | 'ambiguous' | 'resolved'; message: string };

export interface AckRequest {
  episodeId: string;
  /** Needed only when two sources drew the same id. */
  source?: string | undefined;
  by: string;
  /** Snooze: acknowledged until then; repeats (and escalation) resume after. */
  snoozeSec?: number | undefined;
  /** Take the acknowledgment back: repeats and escalation resume now. */
  clear?: boolean;
  now: number;
}

/**
 * Acknowledges, snoozes or un-acknowledges one open episode. The write is conditional on the
 * version read and on the episode being open; if a run moved it meanwhile, read and try again.
 * A resolved episode is refused and nothing changes.
 */
export async function setAcknowledgment(store: Store, req: AckRequest): Promise<AckResult> {
  const id = req.episodeId.toUpperCase();
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = (await store.episodes.findEpisode(id)).filter((f) => !req.source || f.episode.source === req.source);
    if (found.length === 0) return { ok: false, reason: 'not-found', message: `no alert ${id}${req.source ? ` on ${req.source}` : ''}` };
    if (found.length > 1)
      return {
        ok: false,
        reason: 'ambiguous',
        message: `alert id ${id} exists on ${found.map((f) => f.episode.source).join(' and ')}; name the source`,
      };
    const episode = found[0]!.episode;
    if (episode.resolvedAt !== undefined)
      return {
        ok: false,
        reason: 'resolved',
        message: `alert ${id} resolved at ${new Date(episode.resolvedAt).toISOString()}; nothing to acknowledge`,
      };
    const snoozeUntil = req.snoozeSec !== undefined ? req.now + req.snoozeSec * 1000 : undefined;
    const ack = req.clear ? undefined : { by: req.by, at: req.now, ...(snoozeUntil !== undefined ? { snoozeUntil } : {}) };
    if (await store.episodes.setAck(episode, ack)) {
      const action = req.clear ? 'unacked' : snoozeUntil !== undefined ? 'snoozed' : 'acked';
      const event: EpisodeEvent = {
        episodeId: episode.episodeId,
        source: episode.source,
        at: req.now,
        event: action,
        by: req.by,
        ...(snoozeUntil !== undefined ? { until: snoozeUntil } : {}),
      };
      await store.episodes.addEvents([event]);
      return {
        ok: true,
        episode: { ...episode, version: episode.version + 1, ...(ack ? { ackedBy: ack.by, ackedAt: ack.at, snoozeUntil } : {}) },
        action,
      };
    }
  }
  throw new Error(`alert ${id} kept changing while being acknowledged; try again`);
}

/** "agent Alice Chen (101) on itnio-sim, rule long-break, since 09:02 UTC" */
export function describeEpisode(e: Episode, timeOf: (ms: number) => string = utcMinute): string {
  const who = e.subjectName && e.subjectName !== e.subjectId ? `${e.subjectName} (${e.subjectId})` : e.subjectId;
  return `${e.kind} ${who} on ${e.source}, rule ${e.ruleId}, ${e.severity}, since ${timeOf(e.startedAt)}`;
}

const utcMinute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
