import * as z from 'zod';
import type { Config } from '#shared/config/schema';
import { parseDuration } from '#shared/model/duration';
import type { Store } from '#shared/store/store';
import { describeEpisode, setAcknowledgment } from './acknowledge';
import { handleOpenPage } from './open';
import { PAGE_CSP } from './open-page';
import { confirmPage, resultPage } from './page';
import { verifyAckToken } from './token';
import { handleWebhook, parseWebhookEvent, type WebhookDeps, webhookUrlResult } from './webhooks';

export interface HttpReply {
  status: number;
  html: string;
  /** A redirect's location. */
  headers?: { location: string };
}

/** The reply as a function URL returns it, with the headers every page of the endpoint carries. */
export function functionUrlResult(reply: HttpReply) {
  return {
    statusCode: reply.status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // the tokens are in the URL: never sent on as a referrer
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
      'content-security-policy': PAGE_CSP,
      ...reply.headers,
    },
    body: reply.html,
  };
}

/** What the form may say: only these snoozes, and a name. */
const FormSchema = z.object({
  t: z.string().min(1).max(400),
  by: z.string().trim().min(1).max(60),
  for: z.enum(['', '30m', '2h']).default(''),
});

const refuse = (status: number, title: string, message: string): HttpReply => ({ status, html: resultPage(title, message) });

/**
 * The acknowledge link. GET shows the alert and asks (mail scanners open links by themselves);
 * POST acknowledges or snoozes. No token, a wrong or expired one, or an alert already resolved:
 * a clear refusal and no change. The token names one episode; nothing else can be reached.
 * A channel's open-alerts link (`?c=`) goes to its page (open.ts), which needs the config.
 */
export async function handleAckRequest(
  req: { method: string; query: Record<string, string | undefined>; form: Record<string, string> },
  deps: { store: Store; key: string; now: number; config?: Config | undefined },
): Promise<HttpReply> {
  if ((req.method === 'POST' ? req.form.c : req.query.c) !== undefined) {
    if (!deps.config) return refuse(404, 'Not found', 'This endpoint serves no open-alerts page.');
    return handleOpenPage(req, { ...deps, config: deps.config });
  }
  const token = req.method === 'POST' ? req.form.t : req.query.t;
  const check = verifyAckToken(deps.key, token, deps.now);
  if (!check.ok) {
    return check.reason === 'expired'
      ? refuse(410, 'Link expired', 'This acknowledge link has expired. Use the link in a newer alert, or: ccwatch ack <alert id>.')
      : refuse(403, 'Link not valid', 'This acknowledge link is not valid. Nothing was changed.');
  }
  const { episodeId, source } = check.claims;
  const [found] = await deps.store.episodes.findEpisode(episodeId).then((all) => all.filter((f) => f.episode.source === source));
  if (!found) return refuse(404, 'Alert not found', `Alert ${episodeId} is no longer kept. Nothing was changed.`);
  if (found.episode.resolvedAt !== undefined)
    return refuse(409, 'Already resolved', `Alert ${episodeId} has already resolved. Nothing was changed.`);

  if (req.method === 'GET')
    return {
      status: 200,
      html: confirmPage({ token: token!, episodeId, summary: describeEpisode(found.episode), ackedBy: found.episode.ackedBy }),
    };
  if (req.method !== 'POST') return refuse(405, 'Not allowed', 'Open the link from the alert email.');

  const form = FormSchema.safeParse(req.form);
  if (!form.success) return refuse(400, 'Missing name', 'Say who is acknowledging (your name), then try again. Nothing was changed.');
  const snoozeSec = form.data.for ? parseDuration(form.data.for) : undefined;
  const result = await setAcknowledgment(deps.store, { episodeId, source, by: form.data.by, snoozeSec, now: deps.now });
  if (!result.ok) return refuse(result.reason === 'resolved' ? 409 : 404, 'Nothing changed', result.message);
  const until = result.episode.snoozeUntil ? new Date(result.episode.snoozeUntil).toISOString().slice(11, 16) : undefined;
  return {
    status: 200,
    html: resultPage(
      until ? 'Snoozed' : 'Acknowledged',
      until
        ? `Alert ${episodeId} is snoozed by ${form.data.by} until ${until} UTC: no repeats or escalation until then. It still resolves normally.`
        : `Alert ${episodeId} is acknowledged by ${form.data.by}: no repeats or escalation until it resolves.`,
    ),
  };
}

/**
 * The on-call tools' routes: `POST /webhooks/pagerduty/<channel id>` and
 * `POST /webhooks/opsgenie/<channel id>` (webhooks.ts), verified over the exact bytes received (a
 * function URL may hand the body over base64-encoded). Undefined for any other path: the
 * acknowledge link and the open-alerts page (handleAckRequest).
 */
export async function handleWebhookEvent(
  event: unknown,
  deps: WebhookDeps,
): Promise<{ result: ReturnType<typeof webhookUrlResult>; path: string; status: number } | undefined> {
  const req = parseWebhookEvent(event);
  if (!req) return undefined;
  const reply = await handleWebhook(req, deps);
  return { result: webhookUrlResult(reply), path: req.path, status: reply.status };
}
