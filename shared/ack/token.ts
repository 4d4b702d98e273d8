import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';

/**
 * The token in an email's acknowledge link: which episode (and source), and until when the link
 * works, signed with HMAC-SHA256 under a key kept in Secrets Manager. It names one episode only,
 * so it cannot be used to list or guess others.
 */
const ClaimsSchema = z.object({ e: z.string().regex(/^[2-9A-HJ-NP-Z]{6}$/), s: z.string().min(1).max(40), x: z.number().int() }).strict();
export type AckClaims = { episodeId: string; source: string; expiresAt: number };

const b64url = (buf: Buffer) => buf.toString('base64url');
const sign = (key: string, payload: string) => createHmac('sha256', key).update(payload).digest();

export function signAckToken(key: string, claims: AckClaims): string {
  const payload = b64url(Buffer.from(JSON.stringify({ e: claims.episodeId, s: claims.source, x: Math.floor(claims.expiresAt / 1000) })));
  return `${payload}.${b64url(sign(key, payload))}`;
}

export type TokenCheck = { ok: true; claims: AckClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

export function verifyAckToken(key: string, token: string | undefined, now: number): TokenCheck {
  const [payload, sig, extra] = (token ?? '').split('.');
  if (!payload || !sig || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(payload + sig)) return { ok: false, reason: 'malformed' };
  const expected = sign(key, payload);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
  let claims: z.infer<typeof ClaimsSchema>;
  try {
    claims = ClaimsSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (claims.x * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { episodeId: claims.e, source: claims.s, expiresAt: claims.x * 1000 } };
}
