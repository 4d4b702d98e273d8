import { type EpisodeStep, stepId, stepOf } from '#shared/alerting/lifecycle';
import type { Channel } from '#shared/config/schema';
import type { OutboxEntry } from '#shared/model/items';
import { channelTakes } from '#shared/notify/digest';
import { INCIDENT_TARGETS, PAGING_TARGETS, targetKey, targetsOf } from '#shared/notify/targets';
import { mapLimit } from '#shared/runtime/concurrency';
import type { Log } from '#shared/runtime/log';
import type { Settle } from '#shared/store/source-state';
import type { Store } from '#shared/store/store';

/** Episode items moved at once, per run. */
const APPLY_CONCURRENCY = 16;

/**
 * Where a run found or stored outbox entries (a source's state document, or its health item),
 * and how to record what was done with them.
 */
export interface Holder {
  source: string;
  entries: readonly OutboxEntry[];
  /** Whether an entry's episode item is known to be moved (by this run, or already before it). */
  applied(id: string): boolean;
  record(settle: Settle): Promise<void>;
}

/**
 * The targets a step's notice goes to: those of the channels its escalation policy level names,
 * else of the channels that take it by severity and filters. An acknowledgment goes only to the
 * tools that keep an incident of their own (PagerDuty, Opsgenie, chat), never as email or SMS; a
 * resolve nobody is to hear of, only to PagerDuty and Opsgenie, whose incidents would page on.
 */
export function routeStep(s: EpisodeStep, channels: readonly Channel[]): string[] {
  if (!s.notice) return [];
  const named = s.channels;
  const severities = [s.notice.severity, ...(s.severities ?? [])];
  const chosen = named
    ? channels.filter((c) => named.includes(c.id))
    : channels.filter((c) => severities.some((severity) => channelTakes(c, { ...s.notice!, severity })));
  const only = s.incidentsOnly ? PAGING_TARGETS : s.kind === 'acknowledged' ? INCIDENT_TARGETS : undefined;
  const keys = chosen.flatMap((c) =>
    targetsOf(c)
      .filter((k) => !only || only.includes(k))
      .map((k) => targetKey(c.id, k)),
  );
  if (!s.anySource || named) return keys;
  // the paging tools of channels that took the source before it left their filter
  const paging = channels
    .filter((c) => c.sources.length && severities.some((severity) => channelTakes({ ...c, sources: [] }, { ...s.notice!, severity })))
    .flatMap((c) =>
      targetsOf(c)
        .filter((k) => PAGING_TARGETS.includes(k))
        .map((k) => targetKey(c.id, k)),
    );
  return [...new Set([...keys, ...paging])];
}

/** One entry per step, addressed to every target its notice goes to (none for a silent step). */
export function toEntries(steps: readonly EpisodeStep[], channels: readonly Channel[], now: number): OutboxEntry[] {
  return steps.map((s) => ({
    id: stepId(s.next.episodeId, stepOf(s.next)),
    kind: s.kind,
    episode: s.next,
    ...(s.notice ? { notice: s.notice } : {}),
    channels: routeStep(s, channels),
    at: now,
  }));
}

/**
 * Moves each entry's episode item (idempotently: a second application changes nothing). Returns
 * the ids now known to be applied; one that failed stays in the outbox and is tried next run.
 */
export async function applyEntries(store: Store, entries: readonly OutboxEntry[], log: Log): Promise<Set<string>> {
  const applied = new Set<string>();
  await mapLimit(entries, APPLY_CONCURRENCY, async (e) => {
    try {
      await store.episodes.apply(e);
      applied.add(e.id);
    } catch (err) {
      log.error('alert step not stored on its episode yet; retried next run', { step: e.id, error: (err as Error).message });
    }
  });
  return applied;
}
