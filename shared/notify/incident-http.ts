import { setTimeout as delay } from 'node:timers/promises';
import { stepId } from '#shared/alerting/lifecycle';
import { SECRET_PLACEHOLDER } from '#shared/contracts/names';
import { formatDuration } from '#shared/model/duration';
import type { Notice } from '#shared/model/items';
import { CONTACT_STATUS, contactCount } from '#shared/model/task';
import { mapLimit } from '#shared/runtime/concurrency';
import type { Log } from '#shared/runtime/log';
import { backoffDelay, cleanVendorText, retryAfterMs, untilAborted } from '#shared/vendors/http';
import type { SecretLoader } from '#shared/vendors/readers';
import { Pool, type ResponseData } from '#shared/vendors/undici';
import type { Digest } from './digest';
import { who } from './email';
import { STATUS_WORDS, stateInWords, taskInWords } from './format';

/**
 * What PagerDuty and Opsgenie deliveries share: one small undici sender (a keep-alive pool per
 * origin, a deadline per attempt, a few requests in flight, retries with full jitter on 429, 5xx
 * and network errors only), the API key read from its secret, and a notice told in words.
 */

export interface IncidentHttpSettings {
  /** One attempt, headers and body together. */
  deadlineMs: number;
  connectTimeoutMs: number;
  /** Attempts per request, the first included. */
  attempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A Retry-After longer than this is not waited out here: the step is left for the next run. */
  retryAfterCapMs: number;
  /** Requests in flight at once for one digest. */
  concurrency: number;
  /** Largest response body read (only kept for the logs); more is cut off, never buffered. */
  maxResponseBytes: number;
}

export const INCIDENT_HTTP_DEFAULTS: IncidentHttpSettings = {
  deadlineMs: 10_000,
  connectTimeoutMs: 5_000,
  attempts: 3,
  backoffBaseMs: 300,
  backoffMaxMs: 3_000,
  retryAfterCapMs: 5_000,
  concurrency: 4,
  maxResponseBytes: 64 * 1024,
};

export interface IncidentRequest {
  /** The API's base URL (its path, if any, is kept in front of `path`). */
  base: string;
  path: string;
  /** POST unless said. */
  method?: 'POST' | 'PUT';
  headers: Record<string, string>;
  /** JSON, sent as it is. */
  body: string;
}

/**
 * How one request ended, after its retries. `retryable`: worth trying next run (429, 5xx, the
 * network, a refused key); not retryable: the tool refused the request itself (400, 404, 422),
 * which would fail the same way forever.
 */
export type IncidentResult =
  | { ok: true; status: number; text: string; attempts: number }
  | { ok: false; retryable: boolean; status?: number; text: string; detail: string; attempts: number };

/** Statuses retried here, at once: rate limits and the tool's own errors. */
export const isRetryableStatus = (status: number) => status === 429 || status >= 500;

/** Sends JSON to on-call tools (POST, or PUT where asked): one keep-alive pool per origin, made on first use and kept. */
export class IncidentHttp {
  readonly settings: IncidentHttpSettings;
  private readonly pools = new Map<string, Pool>();

  constructor(
    settings: Partial<IncidentHttpSettings> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.settings = { ...INCIDENT_HTTP_DEFAULTS, ...settings };
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.settings.concurrency,
        keepAliveTimeout: 30_000,
        connect: { timeout: this.settings.connectTimeoutMs },
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** Sends one request, retrying 429, 5xx and network errors (at most `attempts` in all); never other 4xx. */
  async send(req: IncidentRequest, signal?: AbortSignal): Promise<IncidentResult> {
    const url = new URL(req.base);
    const path = `${url.pathname.replace(/\/+$/, '')}${req.path}`;
    const pool = this.pool(url.origin);
    const { attempts, backoffBaseMs, backoffMaxMs, retryAfterCapMs } = this.settings;
    let last: IncidentResult | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let wait: number | undefined;
      try {
        const res = await this.once(pool, path, req, signal);
        if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, text: res.text, attempts: attempt };
        const retryable = isRetryableStatus(res.status);
        last = { ok: false, retryable, status: res.status, text: res.text, detail: `HTTP ${res.status}`, attempts: attempt };
        if (!retryable) return last;
        const after = retryAfterMs(res.retryAfter);
        // told to wait longer than a run should: leave it to the next run
        if (after !== undefined && after > retryAfterCapMs) return { ...last, detail: `${last.detail} (Retry-After ${after} ms)` };
        wait = after;
      } catch (err) {
        if (signal?.aborted) return { ok: false, retryable: true, text: '', detail: 'aborted: the run ran out of time', attempts: attempt };
        const e = err as { code?: string; message?: string; name?: string };
        last = {
          ok: false,
          retryable: true,
          text: '',
          detail: `request failed: ${e.code ?? e.name ?? 'error'}: ${e.message}`,
          attempts: attempt,
        };
      }
      if (attempt === attempts) break;
      const jitter = backoffDelay(attempt - 1, backoffBaseMs, backoffMaxMs, this.random);
      try {
        await delay(Math.max(jitter, wait ?? 0), undefined, { signal });
      } catch {
        break;
      }
    }
    return last!;
  }

  private async once(
    pool: Pool,
    path: string,
    req: IncidentRequest,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; text: string; retryAfter: string | string[] | undefined }> {
    const deadline = AbortSignal.timeout(this.settings.deadlineMs);
    const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const work = (async () => {
      const res = await pool.request({
        method: req.method ?? 'POST',
        path,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...req.headers },
        body: req.body,
        headersTimeout: this.settings.deadlineMs,
        bodyTimeout: this.settings.deadlineMs,
        signal: both,
      });
      return { status: res.statusCode, text: await this.readBody(res), retryAfter: res.headers['retry-after'] };
    })();
    // undici honours the signal only once connected: a slow connect must not outlast the deadline
    return untilAborted(work, both);
  }

  /** The body as text, at most maxResponseBytes of it (the rest is discarded, not buffered). */
  private async readBody(res: ResponseData): Promise<string> {
    const cap = this.settings.maxResponseBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const room = cap - size;
      if (room <= 0) {
        res.body.destroy();
        break;
      }
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      size += part.length;
    }
    return Buffer.concat(chunks, size).toString('utf8');
  }

  /** `work` over `items` with at most `concurrency` in flight; results in the items' order. */
  each<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
    return mapLimit(items, this.settings.concurrency, (item) => work(item));
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }
}

/** An API key kept as a secret's text: trimmed; empty or still the deploy's placeholder is "not configured". */
export async function loadKeyText(loadSecret: SecretLoader, secretId: string, what: string): Promise<string> {
  const raw = await loadSecret(secretId, 'text');
  const key = typeof raw === 'string' ? raw.trim() : '';
  if (!key || key === SECRET_PLACEHOLDER) throw new Error(`${what} is not configured: put it in the secret "${secretId}" (as its text)`);
  return key;
}

/** The step a notice announces, as the outbox names it (`K7M2QX#3`): failed steps are matched against it. */
export const noticeStep = (n: Notice): string => stepId(n.episodeId, n.step);

/** The notice's state in words ("on break: Meal", "42 abnormal contacts", "not answering"). */
export function stateOf(n: Notice): string {
  if (n.status === 'resolved' && n.closed) return `closed: ${n.closed}`;
  if (n.kind === 'source') return n.status === 'resolved' ? 'answering again' : `not answering${n.detail ? `: ${n.detail}` : ''}`;
  if (n.kind === 'task' && n.task) return taskInWords(n.task, false);
  const state = stateInWords(n, false);
  return n.status === 'resolved' ? `now ${state || 'out of the rule'}` : state;
}

/**
 * One line for a person: who, state, how long, where, which rule.
 * "ESCALATED: Alice Chen (101) on break: Meal for 32m - source hw-main, rule long-break"
 */
export function summaryOf(n: Notice, max: number): string {
  const subject = n.kind === 'agent' ? who(n) : n.kind === 'task' ? `Task ${who(n)}` : `Source ${n.subjectName}`;
  const time = n.forSec > 0 ? (n.status === 'resolved' ? ` after ${formatDuration(n.forSec)}` : ` for ${formatDuration(n.forSec)}`) : '';
  const where = n.kind === 'source' ? `rule ${n.ruleId}` : `source ${n.source}, rule ${n.ruleId}`;
  const head = n.status === 'firing' ? '' : `${STATUS_WORDS[n.status].toUpperCase()}: `;
  return cleanVendorText(`${head}${subject} ${stateOf(n)}${time} - ${where}`, max);
}

/** The facts of a notice as flat, labelled strings (PagerDuty custom details, Opsgenie details). */
export function detailsOf(n: Notice): Record<string, string> {
  const d: Record<string, string> = {
    alert: n.episodeId,
    step: noticeStep(n),
    status: STATUS_WORDS[n.status],
    severity: n.severity,
    kind: n.kind,
    source: n.source,
    rule: n.ruleId,
    state: stateOf(n),
    duration: formatDuration(n.forSec),
    since: new Date(n.startedAt).toISOString(),
  };
  if (n.kind === 'agent') {
    d.agent = n.subjectName;
    d.agentId = n.subjectId;
    if (n.agent?.groups.length) d.groups = n.agent.groups.join(', ');
  }
  if (n.kind === 'task') {
    d.task = n.subjectName;
    d.taskId = n.subjectId;
  }
  if (n.task) {
    d.abnormal = String(contactCount(n.task.counts, CONTACT_STATUS.abnormal));
    d.notCalled = String(contactCount(n.task.counts, CONTACT_STATUS.notCalled));
    d.inProgress = String(contactCount(n.task.counts, CONTACT_STATUS.inProgress));
    d.called = String(contactCount(n.task.counts, CONTACT_STATUS.called));
    d.attempted = String(n.task.attempted);
    if (n.task.topReasons.length) d.topReasons = n.task.topReasons.map((r) => `${r.reason} (${r.count})`).join(', ');
  }
  if (n.why) d.why = n.why;
  if (n.detail && n.kind !== 'source') d.detail = n.detail;
  if (n.ackedBy) d.acknowledgedBy = n.ackedBy;
  if (n.dueAt !== undefined) d.delayed = `was due ${new Date(n.dueAt).toISOString()}`;
  for (const k of Object.keys(d)) d[k] = cleanVendorText(d[k]!, 500);
  return d;
}

export interface IncidentPublisherDeps {
  loadSecret: SecretLoader;
  log: Log;
  /** Shared by both tools' publishers where given; else one of its own. */
  http?: IncidentHttp;
  httpSettings?: Partial<IncidentHttpSettings>;
  now?: () => number;
}

/** Logs what did not go out and returns the steps to try again; permanent refusals are only logged. */
export function failedSteps(log: Log, tool: string, digest: Digest, results: readonly IncidentResult[]): string[] {
  const failed: string[] = [];
  results.forEach((r, i) => {
    const n = digest.notices[i]!;
    if (r.ok) return;
    const extra = {
      channel: digest.channel.id,
      step: noticeStep(n),
      status: r.status,
      attempts: r.attempts,
      detail: r.detail,
      answer: cleanVendorText(r.text.slice(0, 1000), 300),
    };
    // a refused key is a setting to fix: the steps wait for it, as when nothing could be sent
    const retry = r.retryable || r.status === 401 || r.status === 403;
    if (retry) {
      failed.push(noticeStep(n));
      log.warn(`${tool} did not take the alert step; it is tried again next run`, extra);
    } else {
      log.error(`${tool} refused the alert step as invalid; it is not sent again`, extra);
    }
  });
  return failed;
}
