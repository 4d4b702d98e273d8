import type { PagerDutyTarget } from '#shared/config/schema';
import type { Notice, NoticeStatus } from '#shared/model/items';
import { cleanVendorText } from '#shared/vendors/http';
import type { Digest } from './digest';
import { who } from './email';
import { detailsOf, failedSteps, IncidentHttp, type IncidentPublisherDeps, loadKeyText, noticeStep, summaryOf } from './incident-http';
import type { Publisher, PublishOutcome } from './publishers';

export const PAGERDUTY_EVENTS_BASE = { us: 'https://events.pagerduty.com', eu: 'https://events.eu.pagerduty.com' } as const;

/** Events API v2 limits: payload.summary at most 1024 characters, dedup_key 255. */
export const PD_SUMMARY_MAX = 1024;

type EventAction = 'trigger' | 'acknowledge' | 'resolve';
export const PD_ACTION: Record<NoticeStatus, EventAction> = {
  firing: 'trigger',
  repeat: 'trigger',
  escalated: 'trigger',
  acknowledged: 'acknowledge',
  resolved: 'resolve',
};

export interface PagerDutyEvent {
  routing_key: string;
  event_action: EventAction;
  dedup_key: string;
  client: 'ccwatch';
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
}

/**
 * One Events API v2 event for one notice: trigger (fired, repeated, escalated), acknowledge or
 * resolve, all under dedup_key = the episode id, so that PagerDuty keeps one alert per ccwatch
 * alert. Only a trigger carries a payload (PagerDuty ignores it on the others).
 */
export function pagerDutyEvent(
  n: Notice,
  routingKey: string,
  digest: Pick<Digest, 'ackLink' | 'pageUrl' | 'channel'>,
  now: number,
): PagerDutyEvent {
  const event_action = PD_ACTION[n.status];
  const base = { routing_key: routingKey, event_action, dedup_key: n.episodeId, client: 'ccwatch' } as const;
  if (event_action !== 'trigger') return base;
  const d = detailsOf(n);
  const ack = digest.ackLink?.(n);
  const links = [
    ...(ack ? [{ href: ack, text: 'Acknowledge or snooze in ccwatch' }] : []),
    ...(digest.pageUrl ? [{ href: digest.pageUrl, text: `Everything open for ${digest.channel.id} in ccwatch` }] : []),
  ];
  return {
    ...base,
    payload: {
      summary: summaryOf(n, PD_SUMMARY_MAX),
      source: n.source,
      severity: n.severity,
      timestamp: new Date(now).toISOString(),
      component: cleanVendorText(n.kind === 'source' ? n.source : `${n.kind} ${who(n)}`, 255),
      group: cleanVendorText(n.agent?.groups[0] ?? n.source, 255),
      class: n.ruleId,
      custom_details: {
        ...(n.kind === 'agent' ? { agent: { name: n.subjectName, id: n.subjectId, groups: n.agent?.groups ?? [] } } : {}),
        ...(n.kind === 'task' ? { task: { name: n.subjectName, id: n.subjectId } } : {}),
        state: d.state,
        duration: d.duration,
        since: d.since,
        source: n.source,
        rule: n.ruleId,
        alert: n.episodeId,
        step: noticeStep(n),
        ...(d.why ? { why: d.why } : {}),
        ...(n.task
          ? {
              contacts: {
                abnormal: Number(d.abnormal),
                notCalled: Number(d.notCalled),
                inProgress: Number(d.inProgress),
                called: Number(d.called),
                attempted: n.task.attempted,
              },
            }
          : {}),
        ...(d.topReasons ? { topReasons: d.topReasons } : {}),
        ...(d.delayed ? { delayed: d.delayed } : {}),
      },
    },
    ...(links.length ? { links } : {}),
  };
}

/** The Events API URL of a channel's target: its `url` (a proxy, loopback in tests) or the region's. */
export function pagerDutyBase(target: PagerDutyTarget): string {
  return target.url ?? PAGERDUTY_EVENTS_BASE[target.region];
}

/**
 * Delivers a channel's notices to PagerDuty: one event per notice, a few at a time. Steps whose
 * event could not be delivered (429, 5xx, network, a refused key) are returned as failed, tried
 * again next run; an event PagerDuty calls invalid (400) is logged and not retried: it would fail
 * the same way every run.
 */
export class PagerDutyPublisher implements Publisher {
  private readonly http: IncidentHttp;
  private readonly now: () => number;

  constructor(private readonly deps: IncidentPublisherDeps) {
    this.http = deps.http ?? new IncidentHttp(deps.httpSettings);
    this.now = deps.now ?? Date.now;
  }

  async publish(digest: Digest, signal?: AbortSignal): Promise<PublishOutcome> {
    const target = digest.channel.pagerduty;
    if (!target) throw new Error(`channel "${digest.channel.id}" has no pagerduty target`);
    const key = await loadKeyText(
      this.deps.loadSecret,
      target.routingKeySecretId,
      `the PagerDuty routing key of channel "${digest.channel.id}"`,
    );
    const base = pagerDutyBase(target);
    const now = this.now();
    const results = await this.http.each(digest.notices, (n) =>
      this.http.send({ base, path: '/v2/enqueue', headers: {}, body: JSON.stringify(pagerDutyEvent(n, key, digest, now)) }, signal),
    );
    return { failed: failedSteps(this.deps.log, 'PagerDuty', digest, results) };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
