import { setTimeout as delay } from 'node:timers/promises';
import * as z from 'zod';
import { formatIssues } from '#shared/model/issues';
import { abortedError, SourceError } from './errors';
import { certificateErrorCode, trustedCas } from './tls';
import { Pool, type ResponseData, errors as undiciErrors } from './undici';

const MiB = 1024 * 1024;

export const HttpSettingsSchema = z
  .object({
    /** Per-request limit for response headers and for the body, each: both bound a silence, not the whole answer. */
    timeoutMs: z.number().int().positive().default(10_000),
    /**
     * Limit for one attempt as a whole, headers and body together, so that a vendor trickling its
     * answer (each gap shorter than timeoutMs) cannot hold the run. At least timeoutMs.
     */
    deadlineMs: z.number().int().positive().default(20_000),
    /**
     * Largest response body read; a bigger one is cut off and refused, never buffered. The largest
     * legitimate answer, Huawei status for 6000 ids, is about 1.3 MB of records, 2.5 MB when the
     * vendor sends them twice (resultDesc and resultDatas, as the simulator does).
     */
    maxResponseBytes: z
      .number()
      .int()
      .min(1024)
      .max(256 * MiB)
      .default(16 * MiB),
    /**
     * Most pages one list read may take; a page-1 total implying more is refused before any other
     * page is asked for. 1000 pages = 100,000 ITNIO agents (100 a page) or 200,000 NXCloud ones (200).
     */
    maxPages: z.number().int().min(1).max(100_000).default(1000),
    connectTimeoutMs: z.number().int().positive().default(5_000),
    /** Retries after the first attempt, for transient failures only. */
    retries: z.number().int().min(0).max(5).default(2),
    backoffBaseMs: z.number().int().min(0).default(200),
    backoffMaxMs: z.number().int().min(0).default(3_000),
    /**
     * Longest Retry-After (on 429, 408 or 5xx) waited out before a retry; a longer one fails the
     * read at once (transient), rather than sleeping into the run's deadline.
     */
    retryAfterMaxMs: z.number().int().min(0).max(60_000).default(5_000),
    /** Requests in flight at once against this source (large NXCloud tenants need many: one request per agent). */
    concurrency: z.number().int().min(1).max(128).default(4),
  })
  .strict()
  .superRefine((s, ctx) => {
    // a deadline below timeoutMs would make timeoutMs meaningless: almost certainly a slip
    if (s.deadlineMs < s.timeoutMs)
      ctx.addIssue({ code: 'custom', path: ['deadlineMs'], message: `must be at least timeoutMs (${s.timeoutMs})` });
  });
export type HttpSettings = z.infer<typeof HttpSettingsSchema>;
export type HttpSettingsInput = z.input<typeof HttpSettingsSchema>;

export interface OutgoingRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}
export interface RawResponse {
  status: number;
  text: string;
}

/**
 * Settles with `work`, or rejects as soon as `signal` aborts. undici honours a signal only once
 * the request has a connection, so without this a caller could wait out a slow connect.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

/** Retry-After as milliseconds (delay-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A transient HTTP answer (5xx, 408, 429), with the vendor's Retry-After when it sent one. */
class TransientStatusError extends SourceError {
  constructor(
    source: string,
    readonly detail: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(source, 'transient', detail);
  }
}

function networkError(source: string, err: unknown, origin: string, privateCa: boolean): SourceError {
  const e = err as { code?: string; message?: string };
  const cert = certificateErrorCode(err);
  if (cert) {
    // fails closed, and retrying cannot help: the trust is a matter of configuration
    const fix = privateCa
      ? 'neither the public roots nor the bundle in tls.caSecretId vouch for it (is it the CA that signed this certificate?)'
      : "if the vendor's certificate is from a private CA, put that CA's PEM bundle in a secret and name it in tls.caSecretId";
    const detail = `TLS: the certificate of ${origin} is not trusted (${cert}: ${e.message}); ${fix}`;
    return new SourceError(source, 'config', detail, undefined, { cause: err });
  }
  let detail = e.message ?? String(err);
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) detail = `timed out (${detail})`;
  else if (err instanceof undiciErrors.ConnectTimeoutError) detail = `connect timed out (${detail})`;
  else if (e.code) detail = `${e.code}: ${detail}`;
  return new SourceError(source, 'transient', `request failed: ${detail}`, undefined, { cause: err });
}

/**
 * One keep-alive connection pool per source. Every attempt calls `build` again so that each
 * retry carries a fresh timestamp and signature; only transient failures are retried, and a
 * vendor "timestamp expired" answer gets exactly one more try.
 */
export class VendorHttp {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly privateCa: boolean;
  readonly settings: HttpSettings;

  /**
   * `caBundle`: the source's own CA certificates (PEM, from tls.caSecretId), trusted by this pool
   * only, on top of the public roots; never process-wide.
   */
  constructor(
    readonly source: string,
    baseUrl: string,
    settings: HttpSettingsInput = {},
    caBundle?: readonly string[],
  ) {
    this.settings = HttpSettingsSchema.parse(settings);
    this.origin = new URL(baseUrl).origin;
    this.privateCa = !!caBundle?.length;
    this.pool = new Pool(this.origin, {
      connections: this.settings.concurrency,
      keepAliveTimeout: 30_000,
      connect: { timeout: this.settings.connectTimeoutMs, ...(caBundle?.length ? { ca: trustedCas(caBundle) } : {}) },
    });
  }

  /**
   * Each attempt must end within `deadlineMs` (a transient failure, retried). When `signal` aborts,
   * the read stops at once, in flight or in a backoff sleep, with a 'deadline' error. Every vendor
   * call is a read (a query, even when POSTed), so retrying one is safe.
   */
  async send<T>(build: () => OutgoingRequest, interpret: (res: RawResponse) => T, signal?: AbortSignal): Promise<T> {
    const { retries, backoffBaseMs, backoffMaxMs, retryAfterMaxMs } = this.settings;
    let clockRetried = false;
    for (let attempt = 0; ; attempt++) {
      const req = build();
      if (signal?.aborted) throw abortedError(this.source, req.path, signal);
      try {
        const res = await this.once(req, signal);
        return interpret(res);
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        const clockRetry = err.kind === 'clock' && !clockRetried;
        if (clockRetry) clockRetried = true;
        if (!(clockRetry || (err.retryable && attempt < retries))) throw err;
        if (!clockRetry) {
          const after = err instanceof TransientStatusError ? (err.retryAfterMs ?? 0) : 0;
          // told to come back later than a retry may wait: give up now, not at the run's deadline
          if (err instanceof TransientStatusError && after > retryAfterMaxMs) {
            const detail = `${err.detail} with Retry-After ${after} ms, over http.retryAfterMaxMs (${retryAfterMaxMs}): not retried`;
            throw new SourceError(this.source, 'transient', detail, undefined, { cause: err });
          }
          try {
            // never sooner than asked; the jitter on top keeps concurrent requests from returning together
            await delay(after + backoffDelay(attempt, backoffBaseMs, backoffMaxMs), undefined, { signal });
          } catch {
            // rejects only when the signal aborts
            throw abortedError(this.source, req.path, signal as AbortSignal);
          }
        }
      }
    }
  }

  private async once(req: OutgoingRequest, signal: AbortSignal | undefined): Promise<RawResponse> {
    const { timeoutMs, deadlineMs } = this.settings;
    // headersTimeout/bodyTimeout bound only the gaps; this bounds the whole answer
    const deadline = AbortSignal.timeout(deadlineMs);
    const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let status: number;
    let text: string;
    let retryAfter: string | string[] | undefined;
    try {
      const read = async () => {
        const res = await this.pool.request({
          method: req.method,
          path: req.path,
          headers: req.headers,
          body: req.body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: both,
        });
        return { status: res.statusCode, text: await this.readBody(res, req.path), retryAfter: res.headers['retry-after'] };
      };
      ({ status, text, retryAfter } = await untilAborted(read(), both));
    } catch (err) {
      if (err instanceof SourceError) throw err;
      if (signal?.aborted) throw abortedError(this.source, req.path, signal);
      if (deadline.aborted) {
        throw new SourceError(
          this.source,
          'transient',
          `no complete answer from ${req.path} within ${deadlineMs} ms (http.deadlineMs)`,
          undefined,
          { cause: err },
        );
      }
      throw networkError(this.source, err, this.origin, this.privateCa);
    }
    // 408 and 429 are retried like 5xx: a gateway's timeout or throttle (no vendor publishes a rate limit)
    if (status >= 500 || status === 408 || status === 429)
      throw new TransientStatusError(this.source, `HTTP ${status} from ${req.path}`, retryAfterMs(retryAfter));
    if (status === 401 || status === 403) throw new SourceError(this.source, 'auth', `HTTP ${status} from ${req.path}`);
    if (status >= 400)
      throw new SourceError(this.source, 'request', `HTTP ${status} from ${req.path}: ${cleanVendorText(text.slice(0, 400), 200)}`);
    return { status, text };
  }

  /** The body as text, refused (never buffered) once it grows past maxResponseBytes. */
  private async readBody(res: ResponseData, path: string): Promise<string> {
    const cap = this.settings.maxResponseBytes;
    const tooLarge = (detail: string) => {
      res.body.destroy();
      return new SourceError(
        this.source,
        'schema',
        `response from ${path} ${detail}, over the cap of ${cap} bytes (http.maxResponseBytes)`,
      );
    };
    const declared = Number(res.headers['content-length']);
    if (declared > cap) throw tooLarge(`declares ${declared} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > cap) throw tooLarge(`sent more than ${cap} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** JSON body or a schema error that says the body was not JSON (truncated or HTML error pages look like this). */
export function parseJsonBody(source: string, what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const head = cleanVendorText(text.slice(0, 120), 60);
    throw new SourceError(source, 'schema', `${what}: response is not valid JSON (${text.length} bytes, starts "${head}")`);
  }
}

/** Validates a vendor response; the error lists every offending field path. */
export function parseResponse<S extends z.ZodType>(source: string, what: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const lines = formatIssues(result.error).slice(0, 5);
  throw new SourceError(source, 'schema', `${what}: ${lines.join('; ')}`);
}

/** Integers that vendors send either as numbers or as numeric strings ("1"). */
export const LooseInt = z.union([
  z.number().int(),
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'expected an integer')
    .transform(Number),
]);
/** Same, where null also occurs and means "none". */
export const LooseIntOrNull = z.union([LooseInt, z.null()]);

/** Length caps (code points) for vendor text that reaches people. */
export const TEXT_MAX = { name: 80, group: 60, reason: 120 } as const;

// controls (CR, LF, TAB, ESC, C1) and line/paragraph separators become spaces, so words stay apart
const BREAKS = /[\p{Cc}\u2028\u2029]/gu;
// format characters (bidi overrides/isolates, zero-width, BOM, soft hyphen) and lone surrogates go
const INVISIBLE = /[\p{Cf}\p{Cs}]/gu;

/**
 * Vendor text as it may be shown to a person (email, SMS, logs): no controls or invisible format
 * characters (header injection, bidi spoofing), whitespace runs collapsed, trimmed, and at most
 * `max` code points, the last one an ellipsis when cut.
 */
export function cleanVendorText(raw: string, max: number): string {
  const text = raw.replace(BREAKS, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  if (text.length <= max) return text;
  let count = 0;
  let end = 0;
  let keep = 0;
  for (const ch of text) {
    count++;
    if (count === max) keep = end;
    if (count > max) return `${text.slice(0, keep).trimEnd()}…`;
    end += ch.length;
  }
  return text;
}

/** A vendor string, cleaned and capped at the parsing boundary: an oversized one is cut, never an error. */
export const VendorText = (max: number) => z.string().transform((s) => cleanVendorText(s, max));
