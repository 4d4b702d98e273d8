import { createHmac } from 'node:crypto';

/** [C] Huawei "norm": percent-encode every UTF-8 byte except A-Z a-z 0-9 - . _ ~, upper-case hex. */
export function huaweiNorm(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** UTC `yyyy-MM-ddTHH:mm:ssZ`, or with milliseconds where a source needs them. */
export function huaweiTimestamp(epochMs: number, millis = false): string {
  const iso = new Date(epochMs).toISOString();
  return millis ? iso : `${iso.slice(0, 19)}Z`;
}

export interface HuaweiSignInput {
  ak: string;
  sk: string;
  timestamp: string;
  method: string;
  path: string;
  query?: string;
  /** Header names (any case) and the exact values sent. */
  headers: Record<string, string>;
  body: string;
}

/**
 * C2 `auth-v2` AK/SK authorization, as Huawei's own demo (SignInfo, SignerUtils, PathUtils)
 * computes it. Returns the full Authorization header value.
 */
export function huaweiAuthorization(input: HuaweiSignInput): string {
  const entries = Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v] as const);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = entries.map(([k]) => k).join(';');
  const prefix = `auth-v2/${input.ak}/${input.timestamp}/${signedHeaders}`;
  const lines = [input.method.toUpperCase(), input.path];
  if (input.query) lines.push(input.query);
  lines.push(signedHeaders);
  for (const [k, v] of entries) lines.push(`${huaweiNorm(k)}:${huaweiNorm(v)}`);
  // the body's line is there even when empty, as in the demo (its canonical headers always end in a
  // newline, the payload appended only when there is one): a GET's request ends in that newline
  lines.push(input.body ? huaweiNorm(input.body) : '');
  const canonical = lines.join('\n');
  const signingKey = createHmac('sha256', input.sk).update(prefix).digest('hex');
  const signature = createHmac('sha256', signingKey).update(canonical).digest('hex');
  return `${prefix}/${signature}`;
}
