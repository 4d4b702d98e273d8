import type { Config } from '#shared/config/schema';
import type { EpisodeEvent, Notice, OutboxEntry } from '#shared/model/items';
import { type Digest, digestFor } from '#shared/notify/digest';
import { allTargetKeys, targetKey, targetsOf } from '#shared/notify/targets';
import type { Holder } from './outbox';
import type { CoreDeps } from './types';

export function timezones(config: Config): Record<string, string> {
  return Object.fromEntries(config.sources.map((s) => [s.id, s.timezone]));
}

/** Whether a rule targets vendor codes, so that its alerts show them after the words. */
export function codeRules(config: Config): (ruleId: string) => boolean {
  const ids = new Set(config.agentRules.filter((r) => r.vendorStates?.length || r.reasons?.length).map((r) => r.id));
  return (ruleId) => ids.has(ruleId);
}

/** Kept from the stage's deadline for recording deliveries (the holders' outboxes and history): at most this, at most a third of what is left. */
export const RECORD_RESERVE_MS = 3_000;

/** A notice first due in an earlier run says so ("delayed"). */
function noticeOf(e: OutboxEntry, now: number): Notice | undefined {
  if (!e.notice) return undefined;
  return e.at < now ? { ...e.notice, dueAt: e.at } : e.notice;
}

/**
 * Publishes one digest per channel target (its SNS topic, PagerDuty, Opsgenie, chat) of every
 * entry still owed to it, then records what went out: each holder's outbox loses the targets told and the entries finished (episode moved, every
 * channel told), and each source gets one "notified" history item. A channel whose publish fails
 * keeps its entries for the next run; channels that were told are not told again. Only a crash
 * between SNS accepting a message and this record can make a step go out twice.
 */
export async function publish(opts: {
  fn: string;
  holders: readonly Holder[];
  config: Config;
  now: number;
  deps: Pick<CoreDeps, 'store' | 'publisher' | 'log' | 'ackLink' | 'pageLink'>;
  /** When the stage must be done (epoch ms); sending stops up to RECORD_RESERVE_MS before, to record what went out. */
  deadline?: number | undefined;
}): Promise<{ digests: Digest[]; failedChannels: string[] }> {
  const { fn, holders, config, now, deps } = opts;
  // a slow or hanging target (a PagerDuty outage at 10 s a request) must not cost the record of
  // what did go out: past this, nothing more is sent, and what was not is owed to the next run
  const left = opts.deadline !== undefined ? opts.deadline - Date.now() : undefined;
  const stop = left !== undefined ? AbortSignal.timeout(Math.max(0, Math.floor(left - Math.min(RECORD_RESERVE_MS, left / 3)))) : undefined;
  const known = allTargetKeys(config.channels);
  const delivered = new Set<string>();
  const published: Digest[] = [];
  const failedChannels: string[] = [];
  const ctx = { now, timezones: timezones(config), showCodes: codeRules(config), ackLink: deps.ackLink, pageLink: deps.pageLink };
  // SNS first (email and SMS, one request a channel), then chat, then the tools that take a request
  // per alert step: those are the ones that can be slow
  const order = (['sns', 'chat', 'pagerduty', 'opsgenie'] as const).flatMap((kind) =>
    config.channels.filter((c) => targetsOf(c).includes(kind)).map((channel) => ({ channel, target: kind })),
  );
  for (const { channel, target } of order) {
    const key = targetKey(channel.id, target);
    const owed = holders.flatMap((h) => h.entries.filter((e) => e.notice && e.channels.includes(key)));
    if (!owed.length) continue;
    if (stop?.aborted) {
      failedChannels.push(key);
      deps.log.error('no time left to publish; these alerts go out with the next run', { channel: key, alerts: owed.length });
      continue;
    }
    const digest = digestFor(
      channel,
      target,
      owed.map((e) => noticeOf(e, now)!),
      ctx,
    );
    try {
      const outcome = await deps.publisher.publish(digest, stop);
      const failed = new Set(outcome?.failed ?? []);
      published.push(digest);
      for (const e of owed) if (!failed.has(e.id)) delivered.add(`${key} ${e.id}`);
      if (failed.size) {
        failedChannels.push(key);
        deps.log.error('some alerts were not delivered; they go out with the next run', { channel: key, steps: [...failed] });
      }
    } catch (err) {
      failedChannels.push(key);
      deps.log.error('publish failed; these alerts go out with the next run', {
        channel: key,
        error: (err as Error).message,
        alerts: digest.notices.length,
      });
    }
  }

  const dropped = new Set<string>();
  await Promise.all(
    holders.map(async (h) => {
      const settle = (outbox: readonly OutboxEntry[]) =>
        outbox
          .map((e) => ({
            ...e,
            channels: e.channels.filter((c) => {
              if (!known.has(c)) dropped.add(`${c}: ${e.id}`);
              return known.has(c) && !delivered.has(`${c} ${e.id}`);
            }),
          }))
          .filter((e) => e.channels.length > 0 || !h.applied(e.id));
      try {
        await h.record(settle);
      } catch (err) {
        deps.log.error('deliveries not recorded; the next run sends them again', { source: h.source, error: (err as Error).message });
      }
    }),
  );
  if (dropped.size) deps.log.warn('alerts addressed to channels no longer configured were dropped', { steps: [...dropped] });
  await recordHistory(fn, holders, delivered, now, deps);
  return { digests: published, failedChannels };
}

async function recordHistory(
  fn: string,
  holders: readonly Holder[],
  delivered: ReadonlySet<string>,
  now: number,
  deps: Pick<CoreDeps, 'store' | 'log'>,
): Promise<void> {
  const bySource = new Map<string, EpisodeEvent[]>();
  for (const h of holders) {
    for (const e of h.entries) {
      for (const channel of e.channels) {
        if (!delivered.has(`${channel} ${e.id}`)) continue;
        const { source } = e.episode;
        const lines = bySource.get(source) ?? [];
        lines.push({ episodeId: e.episode.episodeId, source, at: now, event: 'notified', channel, severity: e.episode.severity });
        bySource.set(source, lines);
      }
    }
  }
  await Promise.all(
    [...bySource].map(([source, lines]) =>
      deps.store.episodes
        .addNotified(source, fn, now, lines)
        .catch((err: Error) => deps.log.warn('could not record alert history', { source, error: err.message })),
    ),
  );
}
