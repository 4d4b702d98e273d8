import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { Channel, Config } from '#shared/config/schema';
import { SECRET_PLACEHOLDER } from '#shared/contracts/names';
import { formatIssues } from '#shared/model/issues';
import { isQuiet } from '#shared/model/items';
import type { Log } from '#shared/runtime/log';
import type { Store } from '#shared/store/store';
import { cleanVendorText } from '#shared/vendors/http';
import type { SecretLoader } from '#shared/vendors/readers';
import { setAcknowledgment } from './acknowledge';

/**
 * The on-call tools telling ccwatch that someone acknowledged: PagerDuty v3 webhooks (signed:
 * `X-PagerDuty-Signature`, HMAC-SHA256 of the raw body with the subscription's secret) and
 * Opsgenie outgoing webhooks (not signed: a token the integration sends in a custom header). Each
 * channel has its own URL, `/webhooks/<tool>/<channel id>`, and its own secret (webhookSecretId).
 * An unverified request changes nothing; a verified one about anything other than acknowledging
 * an open ccwatch alert is answered 200 and ignored, so that the tool does not retry it or turn
 * the webhook off.
 */

/** Largest body read: PagerDuty and Opsgenie send a few KB. */
export const WEBHOOK_MAX_BYTES = 128 * 1024;
/** The header an Opsgenie outgoing webhook integration is set up to send, with the secret's text as its value. */
export const OPSGENIE_TOKEN_HEADER = 'x-ccwatch-token';
export const PAGERDUTY_SIGNATURE_HEADER = 'x-pagerduty-signature';

export type WebhookTool = 'pagerduty' | 'opsgenie';

export interface WebhookRequest {
  method: string;
  path: string;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  /** The exact bytes received: what the signature covers. */
  body: Buffer;
}

export interface WebhookReply {
  status: number;
  body: { result: 'acknowledged' | 'ignored' | 'refused'; message: string; alert?: string };
}

/** `/webhooks/pagerduty/<channel>` or `/webhooks/opsgenie/<channel>`; undefined for any other path. */
export function webhookRoute(path: string): { tool: WebhookTool; channelId: string } | undefined {
  const m = /^\/webhooks\/(pagerduty|opsgenie)\/([A-Za-z0-9_-]{1,40})\/?$/.exec(path);
  return m ? { tool: m[1] as WebhookTool, channelId: m[2]! } : undefined;
}

/** Whether a function URL path is a webhook's (the rest of the endpoint is the acknowledge link and page). */
export const isWebhookPath = (path: string) => path === '/webhooks' || path.startsWith('/webhooks/');

const UrlEventSchema = z.object({
  rawPath: z.string(),
  requestContext: z.object({ http: z.object({ method: z.string() }) }),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

/**
 * A function URL event under /webhooks/ as a webhook request, its body as the very bytes sent
 * (base64-decoded when Lambda encoded it); undefined for any other path.
 */
export function parseWebhookEvent(event: unknown): WebhookRequest | undefined {
  const parsed = UrlEventSchema.safeParse(event);
  if (!parsed.success || !isWebhookPath(parsed.data.rawPath)) return undefined;
  const e = parsed.data;
  const headers = Object.fromEntries(Object.entries(e.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const body = e.body ? (e.isBase64Encoded ? Buffer.from(e.body, 'base64') : Buffer.from(e.body, 'utf8')) : Buffer.alloc(0);
  return { method: e.requestContext.http.method.toUpperCase(), path: e.rawPath, headers, body };
}

/** The reply as a function URL returns it. */
export function webhookUrlResult(reply: WebhookReply) {
  return {
    statusCode: reply.status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-robots-tag': 'noindex' },
    body: JSON.stringify(reply.body),
  };
}

/** The hex HMAC-SHA256 PagerDuty signs a body with (`v1=<this>`). */
export function pagerDutySignature(body: Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Whether one of the header's `v1=` signatures (comma-separated: two during a secret rotation) matches, compared in constant time. */
export function verifyPagerDutySignature(body: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(pagerDutySignature(body, secret), 'hex');
  let ok = false;
  for (const part of header.split(',')) {
    const [version, hex] = part.trim().split('=', 2);
    if (version !== 'v1' || !hex || !/^[0-9a-fA-F]{64}$/.test(hex)) continue;
    // every candidate is compared, so the time does not say which one matched
    if (timingSafeEqual(Buffer.from(hex, 'hex'), expected)) ok = true;
  }
  return ok;
}

/** A token compared in constant time whatever its length (both sides hashed first). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(given.trim()), h(expected));
}

const Ref = z.looseObject({ id: z.string().optional(), summary: z.string().optional(), type: z.string().optional() });

/** A PagerDuty v3 webhook: one event; `data` is the incident for incident.* events. */
export const PagerDutyWebhookSchema = z.looseObject({
  event: z.looseObject({
    id: z.string().optional(),
    event_type: z.string().min(1),
    resource_type: z.string().optional(),
    occurred_at: z.string().optional(),
    agent: Ref.nullish(),
    data: z
      .looseObject({
        id: z.string().optional(),
        type: z.string().optional(),
        /** The incident's key: the dedup_key of the Events API event that opened it (ccwatch's episode id). */
        incident_key: z.string().nullish(),
        title: z.string().optional(),
      })
      .nullish(),
  }),
});

/** An Opsgenie outgoing webhook: the action and the alert it was taken on. */
export const OpsgenieWebhookSchema = z.looseObject({
  action: z.string().min(1),
  alert: z
    .looseObject({
      alertId: z.string().optional(),
      alias: z.string().optional(),
      username: z.string().optional(),
      userId: z.string().optional(),
      message: z.string().optional(),
    })
    .optional(),
  source: z.looseObject({ name: z.string().optional(), type: z.string().optional() }).optional(),
});

export interface WebhookDeps {
  store: Store;
  config: Config;
  loadSecret: SecretLoader;
  now: number;
  log?: Log;
}

const reply = (status: number, result: WebhookReply['body']['result'], message: string, alert?: string): WebhookReply => ({
  status,
  body: { result, message, ...(alert ? { alert } : {}) },
});

function secretIdOf(channel: Channel, tool: WebhookTool): string | undefined {
  return tool === 'pagerduty' ? channel.pagerduty?.webhookSecretId : channel.opsgenie?.webhookSecretId;
}

function parseJson<S extends z.ZodType>(
  schema: S,
  body: Buffer,
  what: string,
): { ok: true; data: z.output<S> } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, message: `${what}: the body is not JSON` };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, message: `${what}: ${formatIssues(parsed.error).slice(0, 3).join('; ')}` };
  return { ok: true, data: parsed.data };
}

/**
 * One webhook delivery: the route names the channel and the tool; the channel's webhook secret
 * verifies the request (401 and no change when it does not); then an acknowledgment of an open
 * ccwatch alert acknowledges it, `by` "pagerduty:<who>" or "opsgenie:<who>".
 */
export async function handleWebhook(req: WebhookRequest, deps: WebhookDeps): Promise<WebhookReply> {
  const route = webhookRoute(req.path);
  if (!route) return reply(404, 'refused', 'no such webhook: use /webhooks/pagerduty/<channel id> or /webhooks/opsgenie/<channel id>');
  const channel = deps.config.channels.find((c) => c.id === route.channelId);
  const secretId = channel && secretIdOf(channel, route.tool);
  if (!channel || !secretId) return reply(404, 'refused', `no ${route.tool} webhook is set up for this channel`);
  if (req.method !== 'POST') return reply(405, 'refused', 'webhooks are POSTed');
  if (req.body.length > WEBHOOK_MAX_BYTES) return reply(413, 'refused', `the body is over ${WEBHOOK_MAX_BYTES} bytes`);

  const raw = await deps.loadSecret(secretId, 'text');
  const secret = typeof raw === 'string' ? raw.trim() : '';
  if (!secret || secret === SECRET_PLACEHOLDER) {
    deps.log?.error('webhook secret not configured', { channel: channel.id, tool: route.tool, secretId });
    return reply(503, 'refused', 'this webhook is not configured yet: its secret is empty or still the placeholder');
  }
  const verified =
    route.tool === 'pagerduty'
      ? verifyPagerDutySignature(req.body, req.headers[PAGERDUTY_SIGNATURE_HEADER], secret)
      : tokenMatches(req.headers[OPSGENIE_TOKEN_HEADER], secret);
  if (!verified) {
    deps.log?.warn('webhook not verified', { channel: channel.id, tool: route.tool });
    return reply(
      401,
      'refused',
      route.tool === 'pagerduty'
        ? 'X-PagerDuty-Signature is missing or does not match'
        : `${OPSGENIE_TOKEN_HEADER} is missing or does not match`,
    );
  }
  return route.tool === 'pagerduty' ? pagerDuty(req.body, channel, deps) : opsgenie(req.body, channel, deps);
}

async function pagerDuty(body: Buffer, channel: Channel, deps: WebhookDeps): Promise<WebhookReply> {
  const parsed = parseJson(PagerDutyWebhookSchema, body, 'PagerDuty webhook');
  if (!parsed.ok) return reply(400, 'refused', parsed.message);
  const { event } = parsed.data;
  if (event.event_type !== 'incident.acknowledged')
    return reply(200, 'ignored', `${event.event_type}: ccwatch acts on incident.acknowledged only`);
  const key = event.data?.incident_key;
  // incidents opened by hand or by another integration have no key (or not ours): nothing to acknowledge here
  if (!key) return reply(200, 'ignored', 'the incident has no incident_key: it was not opened by a ccwatch event');
  const who = event.agent?.summary ?? event.agent?.id ?? 'unknown';
  return acknowledge(key, `pagerduty:${who}`, channel, deps);
}

async function opsgenie(body: Buffer, channel: Channel, deps: WebhookDeps): Promise<WebhookReply> {
  const parsed = parseJson(OpsgenieWebhookSchema, body, 'Opsgenie webhook');
  if (!parsed.ok) return reply(400, 'refused', parsed.message);
  const { action, alert, source } = parsed.data;
  if (action !== 'Acknowledge') return reply(200, 'ignored', `${action}: ccwatch acts on Acknowledge only`);
  if (!alert?.alias) return reply(200, 'ignored', 'the alert has no alias: it was not created by ccwatch');
  const who = alert.username || source?.name || 'unknown';
  return acknowledge(alert.alias, `opsgenie:${who}`, channel, deps);
}

/** ccwatch episode ids: six characters of its alphabet (episode-id.ts). */
const EPISODE_ID = /^[2-9A-HJKMNP-Z]{6}$/i;

async function acknowledge(key: string, rawBy: string, channel: Channel, deps: WebhookDeps): Promise<WebhookReply> {
  const episodeId = key.trim().toUpperCase();
  if (!EPISODE_ID.test(episodeId)) return reply(200, 'ignored', 'the alert key is not a ccwatch alert id');
  const by = cleanVendorText(rawBy, 80);
  const found = await deps.store.episodes.findEpisode(episodeId, deps.now);
  if (found.length === 0) return reply(200, 'ignored', `no ccwatch alert ${episodeId}`, episodeId);
  if (found.length > 1)
    return reply(200, 'ignored', `alert id ${episodeId} exists on more than one source: acknowledge it in ccwatch`, episodeId);
  const { episode } = found[0]!;
  if (episode.resolvedAt !== undefined) return reply(200, 'ignored', `alert ${episodeId} has already resolved`, episodeId);
  // already acknowledged (often ccwatch's own acknowledgment, relayed to the tool and echoed back): kept as it is
  if (isQuiet(episode, deps.now))
    return reply(200, 'ignored', `alert ${episodeId} is already acknowledged by ${episode.ackedBy}`, episodeId);
  const result = await setAcknowledgment(deps.store, { episodeId, source: episode.source, by, now: deps.now });
  if (!result.ok) return reply(200, 'ignored', result.message, episodeId);
  deps.log?.info('alert acknowledged by webhook', { channel: channel.id, alert: episodeId, source: episode.source, by });
  return reply(200, 'acknowledged', `alert ${episodeId} acknowledged by ${by}`, episodeId);
}
