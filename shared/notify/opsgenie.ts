import { stepId } from '#shared/alerting/lifecycle';
import type { OpsgenieTarget } from '#shared/config/schema';
import type { Notice } from '#shared/model/items';
import type { Severity } from '#shared/model/severity';
import { cleanVendorText } from '#shared/vendors/http';
import type { Digest } from './digest';
import { who } from './email';
import {
  detailsOf,
  failedSteps,
  IncidentHttp,
  type IncidentPublisherDeps,
  type IncidentRequest,
  type IncidentResult,
  loadKeyText,
  summaryOf,
} from './incident-http';
import type { Publisher, PublishOutcome } from './publishers';

export const OPSGENIE_API_BASE = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' } as const;

/** Alert API limits (characters): message 130, alias 512, description 15000, entity 512, source/user 100, note 25000, 20 tags of 50, details 8000 in all. */
export const OG_LIMITS = {
  message: 130,
  description: 15_000,
  entity: 512,
  user: 100,
  note: 25_000,
  tag: 50,
  tags: 20,
  details: 8_000,
} as const;

export const OG_PRIORITY: Record<Severity, 'P1' | 'P3' | 'P5'> = { critical: 'P1', warning: 'P3', info: 'P5' };

/** The Alert API URL of a channel's target: its `url` (a proxy, loopback in tests) or the region's. */
export function opsgenieBase(target: OpsgenieTarget): string {
  return target.url ?? OPSGENIE_API_BASE[target.region];
}

/** Details as Opsgenie takes them: string values, their total kept under its limit (the last ones dropped). */
function cappedDetails(details: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  let size = 0;
  for (const [k, v] of Object.entries(details)) {
    size += k.length + v.length;
    if (size > OG_LIMITS.details) break;
    out[k] = v;
  }
  return out;
}

const tag = (s: string) => cleanVendorText(s, OG_LIMITS.tag).replace(/\s+/g, '_');

type OpsgenieRequest = Pick<IncidentRequest, 'path' | 'body' | 'method'>;

/**
 * The Alert API requests for one notice, sent in order: create (fired, repeated, escalated:
 * Opsgenie deduplicates by alias, the episode id, so a repeat adds to the open alert's count),
 * acknowledge, or close, each by alias. A create that Opsgenie deduplicates keeps the alert's first
 * priority, so an escalation also sets the priority: an alert raised P3 that escalates to critical
 * becomes P1 there too.
 */
export function opsgenieRequests(n: Notice, digest: Pick<Digest, 'ackLink' | 'pageUrl' | 'channel'>): OpsgenieRequest[] {
  const alias = encodeURIComponent(n.episodeId);
  const create = opsgenieCreateOrAct(n, digest, alias);
  if (n.status !== 'escalated') return [create];
  return [
    create,
    {
      method: 'PUT',
      path: `/v2/alerts/${alias}/priority?identifierType=alias`,
      body: JSON.stringify({ priority: OG_PRIORITY[n.severity] }),
    },
  ];
}

function opsgenieCreateOrAct(n: Notice, digest: Pick<Digest, 'ackLink' | 'pageUrl' | 'channel'>, alias: string): OpsgenieRequest {
  if (n.status === 'acknowledged') {
    const by = n.ackedBy ? cleanVendorText(n.ackedBy, 60) : 'someone';
    return {
      path: `/v2/alerts/${alias}/acknowledge?identifierType=alias`,
      body: JSON.stringify({
        user: cleanVendorText(`ccwatch: ${by}`, OG_LIMITS.user),
        source: 'ccwatch',
        note: `Acknowledged in ccwatch by ${by}.`,
      }),
    };
  }
  if (n.status === 'resolved') {
    return {
      path: `/v2/alerts/${alias}/close?identifierType=alias`,
      body: JSON.stringify({
        user: 'ccwatch',
        source: 'ccwatch',
        note: cleanVendorText(`Resolved in ccwatch: ${summaryOf(n, 400)}`, OG_LIMITS.note),
      }),
    };
  }
  const ack = digest.ackLink?.(n);
  const description = [
    summaryOf(n, 1000),
    ...(n.why ? [`Escalated: ${n.why}.`] : []),
    ...(ack ? [`Acknowledge or snooze in ccwatch: ${ack}`] : []),
    ...(digest.pageUrl ? [`Everything open for ${digest.channel.id}: ${digest.pageUrl}`] : []),
    `Alert ${n.episodeId}, step ${stepId(n.episodeId, n.step)}.`,
  ].join('\n');
  const tags = ['ccwatch', n.kind, n.source, n.ruleId, n.severity, ...(n.agent?.groups ?? [])].map(tag);
  return {
    path: '/v2/alerts',
    body: JSON.stringify({
      message: summaryOf(n, OG_LIMITS.message),
      alias: n.episodeId,
      description: description.slice(0, OG_LIMITS.description),
      details: cappedDetails(detailsOf(n)),
      entity: cleanVendorText(n.kind === 'source' ? n.source : `${n.kind} ${who(n)}`, OG_LIMITS.entity),
      source: 'ccwatch',
      priority: OG_PRIORITY[n.severity],
      tags: [...new Set(tags)].slice(0, OG_LIMITS.tags),
      ...(n.status !== 'firing' ? { note: cleanVendorText(summaryOf(n, 1000), OG_LIMITS.note) } : {}),
    }),
  };
}

/**
 * Delivers a channel's notices to Opsgenie (header `Authorization: GenieKey <key>`): one request
 * per notice, a few at a time. Steps not delivered (429, 5xx, network, a refused key) are returned
 * as failed; a request Opsgenie calls invalid (400, 404, 422) is logged and not retried.
 */
export class OpsgeniePublisher implements Publisher {
  private readonly http: IncidentHttp;

  constructor(private readonly deps: IncidentPublisherDeps) {
    this.http = deps.http ?? new IncidentHttp(deps.httpSettings);
  }

  async publish(digest: Digest, signal?: AbortSignal): Promise<PublishOutcome> {
    const target = digest.channel.opsgenie;
    if (!target) throw new Error(`channel "${digest.channel.id}" has no opsgenie target`);
    const key = await loadKeyText(this.deps.loadSecret, target.apiKeySecretId, `the Opsgenie API key of channel "${digest.channel.id}"`);
    const base = opsgenieBase(target);
    const headers = { authorization: `GenieKey ${key}` };
    const results = await this.http.each(digest.notices, async (n) => {
      // in order, and a step counts as delivered only when all of its requests were
      let result: IncidentResult | undefined;
      for (const req of opsgenieRequests(n, digest)) {
        result = await this.http.send({ base, headers, ...req }, signal);
        if (!result.ok) break;
      }
      return result!;
    });
    return { failed: failedSteps(this.deps.log, 'Opsgenie', digest, results) };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
