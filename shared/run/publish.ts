import type { EpisodeWrite } from '#shared/alerting/episode-write';
import type { Config } from '#shared/config/schema';
import type { Notice } from '#shared/model/items';
import { buildDigests, type Digest } from '#shared/notify/digest';
import type { CoreDeps } from './tick';

export function timezones(config: Config): Record<string, string> {
  return Object.fromEntries(config.sources.map((s) => [s.id, s.timezone]));
}

/**
 * Publishes one digest per channel, with whatever that channel missed before. A channel whose
 * publish fails keeps its notices in its outbox for the next run, so nothing is lost and the
 * channels that did get them are not sent them again.
 */
export async function publishNotices(
  fn: string,
  won: readonly EpisodeWrite[],
  config: Config,
  now: number,
  deps: Pick<CoreDeps, 'store' | 'publisher' | 'log' | 'ackLink'>,
): Promise<{ digests: Digest[]; failedChannels: string[] }> {
  const fresh = won.flatMap((w) => (w.notice ? [w.notice] : []));
  const published: Digest[] = [];
  const failedChannels: string[] = [];
  for (const channel of config.channels) {
    let waiting: Notice[] = [];
    try {
      waiting = await deps.store.outbox.claimOutbox(fn, channel.id);
    } catch (err) {
      deps.log.error('could not read the outbox; earlier unsent alerts wait for the next run', {
        channel: channel.id,
        error: (err as Error).message,
      });
    }
    const [digest] = buildDigests([...waiting, ...fresh], [channel], now, timezones(config), deps.ackLink);
    if (!digest) continue;
    try {
      await deps.publisher.publish(digest);
      published.push(digest);
      await deps.store.episodes
        .addEvents(
          digest.notices.map((n) => ({
            episodeId: n.episodeId,
            source: n.source,
            at: now,
            event: 'notified' as const,
            channel: channel.id,
            severity: n.severity,
          })),
        )
        .catch((err: Error) => deps.log.warn('could not record alert history', { error: err.message }));
    } catch (err) {
      failedChannels.push(channel.id);
      deps.log.error('publish failed; these alerts will be sent on the next run', {
        channel: channel.id,
        error: (err as Error).message,
        alerts: digest.notices.length,
      });
      try {
        await deps.store.outbox.putOutbox(fn, channel.id, digest.notices, now);
      } catch (putErr) {
        deps.log.error('could not keep unsent alerts for the next run; they are lost', {
          channel: channel.id,
          error: (putErr as Error).message,
          episodes: digest.notices.map((n) => n.episodeId),
        });
      }
    }
  }
  return { digests: published, failedChannels };
}
