import { Pool, errors as undiciErrors } from 'undici';
import { z } from 'zod';
import { formatIssues } from '#shared/model/issues';
import { sleep } from '#shared/runtime/concurrency';
import { SourceError } from './errors';

export const HttpSettingsSchema = z.object({
  /** Per-request limit for response headers and for the body, each. */
  timeoutMs: z.number().int().positive().default(10_000),
  connectTimeoutMs: z.number().int().positive().default(5_000),
  /** Retries after the first attempt, for transient failures only. */
  retries: z.number().int().min(0).max(5).default(2),
  backoffBaseMs: z.number().int().min(0).default(200),
  backoffMaxMs: z.number().int().min(0).default(3_000),
  /** Requests in flight at once against this source (large NXCloud tenants need many: one request per agent). */
  concurrency: z.number().int().min(1).max(128).default(4),
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

/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

function networkError(source: string, err: unknown): SourceError {
  const e = err as { code?: string; message?: string };
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
  readonly settings: HttpSettings;

  constructor(
    readonly source: string,
    baseUrl: string,
    settings: HttpSettingsInput = {},
  ) {
    this.settings = HttpSettingsSchema.parse(settings);
    this.pool = new Pool(new URL(baseUrl).origin, {
      connections: this.settings.concurrency,
      keepAliveTimeout: 30_000,
      connect: { timeout: this.settings.connectTimeoutMs },
    });
  }

  async send<T>(build: () => OutgoingRequest, interpret: (res: RawResponse) => T): Promise<T> {
    const { retries, backoffBaseMs, backoffMaxMs } = this.settings;
    let clockRetried = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.once(build());
        return interpret(res);
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        const clockRetry = err.kind === 'clock' && !clockRetried;
        if (clockRetry) clockRetried = true;
        if (!(clockRetry || (err.retryable && attempt < retries))) throw err;
        if (!clockRetry) await sleep(backoffDelay(attempt, backoffBaseMs, backoffMaxMs));
      }
    }
  }

  private async once(req: OutgoingRequest): Promise<RawResponse> {
    let status: number;
    let text: string;
    try {
      const res = await this.pool.request({
        method: req.method,
        path: req.path,
        headers: req.headers,
        body: req.body,
        headersTimeout: this.settings.timeoutMs,
        bodyTimeout: this.settings.timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw networkError(this.source, err);
    }
    if (status >= 500) throw new SourceError(this.source, 'transient', `HTTP ${status} from ${req.path}`);
    if (status === 401 || status === 403) throw new SourceError(this.source, 'auth', `HTTP ${status} from ${req.path}`);
    if (status >= 400) throw new SourceError(this.source, 'request', `HTTP ${status} from ${req.path}: ${text.slice(0, 200)}`);
    return { status, text };
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
    const head = text.slice(0, 60).replace(/\s+/g, ' ');
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
