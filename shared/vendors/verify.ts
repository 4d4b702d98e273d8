import { SourceError } from './errors';
import { cleanVendorText } from './http';
import { HuaweiClient } from './huawei';
import { holdsPlaceholder, parseCredentials, type SourceConfig } from './index';
import { ItnioClient } from './itnio';
import { NxClient } from './nxcloud';
import type { Probeable } from './probe';
import { certificateErrorCode, trustedCas } from './tls';
import { Pool } from './undici';

/** Skew between this machine's clock and the vendor's above which verify warns. */
export const CLOCK_SKEW_WARN_SEC = 60;

/** Probe answers are one record: far below any source's own cap. */
const PROBE_MAX_BYTES = 1024 * 1024;

/** What one signed request told about a source. */
export interface Verification {
  source: string;
  vendor: SourceConfig['vendor'];
  secretId: string;
  /** Reachable, credentials accepted and the answer understood. */
  ok: boolean;
  /** An HTTP answer came back; null when no request was sent (credentials missing or placeholders). */
  reachable: boolean | null;
  /** Until the answer's headers, in ms. */
  latencyMs?: number;
  httpStatus?: number;
  /** Credentials (and the signature's timestamp) accepted; null when the answer does not say. */
  signed: boolean | null;
  /** The vendor's clock (its HTTP Date header) minus this machine's, in seconds. */
  clockSkewSec?: number;
  /** |skew| over CLOCK_SKEW_WARN_SEC: signed timestamps are (or will be) rejected. */
  clockSkewWarning?: boolean;
  /** The agent total the vendor reports; null where its answer has none (Huawei). */
  agents: number | null;
  /** not-configured, credentials, auth, clock, transient, ... (SourceError kinds) */
  errorKind?: string;
  error?: string;
}

function clientFor(source: SourceConfig, credentials: unknown, wallClock: () => number): Probeable {
  switch (source.vendor) {
    case 'itnio':
      return new ItnioClient(source, parseCredentials('itnio', source.secretId, credentials), wallClock);
    case 'huawei':
      return new HuaweiClient(source, parseCredentials('huawei', source.secretId, credentials), wallClock);
    case 'nxcloud':
      return new NxClient(source, parseCredentials('nxcloud', source.secretId, credentials), wallClock);
  }
}

/**
 * Checks a source's credentials with ONE signed request (no retry), built by the vendor's client as
 * its reads are: ITNIO and NXCloud a first agent page of size 1 (its total is the agent count),
 * Huawei the status of one configured agent. Times the round trip and reads the vendor's clock from
 * its Date header. Never throws.
 */
export async function verifySource(
  source: SourceConfig,
  credentials: unknown,
  opts: {
    /** The source's tls.caSecretId bundle (parseCaBundle): trusted on top of the public roots, as its reads do. */
    caBundle?: readonly string[] | undefined;
    wallClock?: () => number;
  } = {},
): Promise<Verification> {
  const wallClock = opts.wallClock ?? Date.now;
  const base = { source: source.id, vendor: source.vendor, secretId: source.secretId, agents: null };
  const notSent = (errorKind: string, error: string): Verification => ({
    ...base,
    ok: false,
    reachable: null,
    signed: null,
    errorKind,
    error,
  });
  if (holdsPlaceholder(source.vendor, credentials)) {
    return notSent(
      'not-configured',
      `not configured: secret "${source.secretId}" still holds placeholder values (ccwatch secrets set ${source.id})`,
    );
  }
  let client: Probeable;
  try {
    client = clientFor(source, credentials, wallClock);
  } catch (err) {
    return notSent('credentials', (err as Error).message);
  }
  const probe = client.probe(wallClock());
  await client.close();
  const { request } = probe;
  const { timeoutMs, deadlineMs, connectTimeoutMs } = source.http;
  const origin = new URL(source.baseUrl).origin;
  const ca = opts.caBundle?.length ? { ca: trustedCas(opts.caBundle) } : {};
  const pool = new Pool(origin, { connections: 1, connect: { timeout: connectTimeoutMs, ...ca } });
  const sentAt = Date.now();
  const started = performance.now();
  let latencyMs = 0;
  let status: number | undefined;
  let dateHeader: string | undefined;
  let text = '';
  try {
    const res = await pool.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(deadlineMs),
    });
    latencyMs = Math.round(performance.now() - started);
    status = res.statusCode;
    const date = res.headers.date;
    dateHeader = Array.isArray(date) ? date[0] : date;
    text = await readCapped(res.body as AsyncIterable<Buffer> & { destroy(): void });
  } catch (err) {
    const e = err as { code?: string; message?: string; name?: string };
    const detail =
      e.name === 'TimeoutError' ? `no answer within ${deadlineMs} ms (http.deadlineMs)` : `${e.code ? `${e.code}: ` : ''}${e.message}`;
    const cert = certificateErrorCode(err);
    if (cert) {
      const fix = opts.caBundle?.length
        ? 'neither the public roots nor the bundle in tls.caSecretId vouch for it'
        : "if the vendor's certificate is from a private CA, name that CA's PEM bundle secret in tls.caSecretId";
      const error = `TLS: the certificate of ${origin} is not trusted (${cert}); ${fix}`;
      return { ...base, ok: false, reachable: false, signed: null, errorKind: 'config', error };
    }
    if (status === undefined)
      return { ...base, ok: false, reachable: false, signed: null, errorKind: 'transient', error: `${request.path}: ${detail}` };
    text = `(body not read: ${detail})`;
  } finally {
    await pool.close().catch(() => {});
  }

  const out: Verification = { ...base, ok: false, reachable: true, latencyMs, httpStatus: status, signed: null };
  // The Date header is whole seconds, truncated: the vendor's time is half a second later on average.
  const vendorTime = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  if (Number.isFinite(vendorTime)) {
    const skew = Math.round((vendorTime + 500 - (sentAt + latencyMs / 2)) / 1000);
    out.clockSkewSec = skew;
    if (Math.abs(skew) > CLOCK_SKEW_WARN_SEC) out.clockSkewWarning = true;
  }
  try {
    if (status >= 500) throw new SourceError(source.id, 'transient', `HTTP ${status} from ${request.path}`);
    if (status === 401 || status === 403) throw new SourceError(source.id, 'auth', `HTTP ${status} from ${request.path}`);
    if (status >= 400)
      throw new SourceError(source.id, 'request', `HTTP ${status} from ${request.path}: ${cleanVendorText(text.slice(0, 400), 200)}`);
    const read = probe.read({ status, text });
    out.ok = true;
    out.signed = true;
    if (read.agents !== undefined) out.agents = read.agents;
  } catch (err) {
    const kind = err instanceof SourceError ? err.kind : 'schema';
    out.errorKind = kind;
    out.error = (err as Error).message;
    // credentials, or the timestamp they sign, refused: the answers that say so
    if (kind === 'auth' || kind === 'clock') out.signed = false;
  }
  return out;
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > PROBE_MAX_BYTES) {
      body.destroy();
      throw new Error(`the answer is over ${PROBE_MAX_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** One line for people: reachable, signed, clock skew, agent count, and what went wrong. */
export function verificationLine(v: Verification): string {
  const parts = [`${v.source} (${v.vendor})`, v.ok ? 'OK' : 'FAILED'];
  if (v.reachable === null) parts.push('not checked');
  else {
    parts.push(v.reachable ? `reachable (${v.latencyMs} ms)` : 'unreachable');
    if (v.reachable) parts.push(v.signed === true ? 'signed' : v.signed === false ? 'NOT signed' : 'signed: unknown');
    if (v.clockSkewSec !== undefined) {
      const skew = `clock skew ${v.clockSkewSec >= 0 ? '+' : ''}${v.clockSkewSec} s`;
      parts.push(
        v.clockSkewWarning
          ? `${skew} (WARNING: over ${CLOCK_SKEW_WARN_SEC} s; ${v.vendor} signatures carry a timestamp, so a skewed clock gets requests refused: fix this machine's clock (NTP))`
          : skew,
      );
    } else if (v.reachable) parts.push('clock skew n/a (no Date header)');
    parts.push(`agents ${v.agents ?? 'n/a'}`);
  }
  const line = parts.join('  ');
  return v.error ? `${line}  — ${v.error}` : line;
}
