import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';

/**
 * The tokens in an email's links, signed with HMAC-SHA256 under a key kept in Secrets Manager:
 *
 * - acknowledge: `<episode>.<source>.<expiry>.<mac>`, one episode;
 * - open-alerts page: `<channel>.<expiry>.<mac>`, one channel's open episodes.
 *
 * Claims are plain text (ids are letters, digits, - and _, so "." separates them), the expiry is
 * epoch seconds in base 36, and the MAC is the HMAC's first 128 bits in base64url (22 characters).
 * Each kind is signed under its own label, so one kind never verifies as the other. A token
 * grants only what it names: it cannot be used to list or guess anything else.
 */
const MAC_BYTES = 16;
const ID = /^[A-Za-z0-9_-]{1,40}$/;
const EPISODE_ID = /^[2-9A-HJ-NP-Z]{6}$/;
const EXPIRY = /^[0-9a-z]{1,9}$/;
/** 16 bytes in base64url, unpadded. */
const MAC = /^[A-Za-z0-9_-]{22}$/;

type Kind = 'ack' | 'page';
const mac = (key: string, kind: Kind, payload: string) =>
  createHmac('sha256', key).update(`${kind}:${payload}`).digest().subarray(0, MAC_BYTES);
const expiry = (ms: number) => Math.floor(ms / 1000).toString(36);

function signed(key: string, kind: Kind, parts: string[]): string {
  const payload = parts.join('.');
  return `${payload}.${mac(key, kind, payload).toString('base64url')}`;
}

export type TokenCheck<C> = { ok: true; claims: C } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/** Splits and checks a token of `count` claims (the expiry last): shape, then MAC (in constant time), then expiry. */
function verify(key: string, kind: Kind, token: string | undefined, count: number, now: number): TokenCheck<string[]> {
  const parts = (token ?? '').split('.');
  if (parts.length !== count + 1 || !MAC.test(parts.at(-1)!) || !EXPIRY.test(parts.at(-2)!)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(parts.at(-1)!, 'base64url');
  const expected = mac(key, kind, parts.slice(0, -1).join('.'));
  // one spelling per MAC: the last character's spare bits must be zero, so no two tokens are equal
  if (given.length !== MAC_BYTES || given.toString('base64url') !== parts.at(-1) || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'signature' };
  const expiresAt = Number.parseInt(parts.at(-2)!, 36) * 1000;
  if (expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: parts.slice(0, -1) };
}

export type AckClaims = { episodeId: string; source: string; expiresAt: number };

export function signAckToken(key: string, claims: AckClaims): string {
  return signed(key, 'ack', [claims.episodeId, claims.source, expiry(claims.expiresAt)]);
}

export function verifyAckToken(key: string, token: string | undefined, now: number): TokenCheck<AckClaims> {
  if (token !== undefined && token.split('.').length === 2) return verifyLegacyAckToken(key, token, now);
  const check = verify(key, 'ack', token, 3, now);
  if (!check.ok) return check;
  const [episodeId, source, x] = check.claims as [string, string, string];
  if (!EPISODE_ID.test(episodeId) || !ID.test(source)) return { ok: false, reason: 'malformed' };
  return { ok: true, claims: { episodeId, source, expiresAt: Number.parseInt(x, 36) * 1000 } };
}

export type PageClaims = { channel: string; expiresAt: number };

export function signPageToken(key: string, claims: PageClaims): string {
  return signed(key, 'page', [claims.channel, expiry(claims.expiresAt)]);
}

export function verifyPageToken(key: string, token: string | undefined, now: number): TokenCheck<PageClaims> {
  const check = verify(key, 'page', token, 2, now);
  if (!check.ok) return check;
  const [channel, x] = check.claims as [string, string];
  if (!ID.test(channel)) return { ok: false, reason: 'malformed' };
  return { ok: true, claims: { channel, expiresAt: Number.parseInt(x, 36) * 1000 } };
}

/**
 * The first acknowledge tokens, `base64url(JSON {e, s, x}).<full HMAC>` (~100 characters). Still
 * accepted so that links in emails sent before the short tokens keep working for their day; once
 * a deployment with short tokens is a day old, nothing valid remains in this form.
 */
const LegacyClaimsSchema = z.object({ e: z.string().regex(EPISODE_ID), s: z.string().min(1).max(40), x: z.number().int() }).strict();

function verifyLegacyAckToken(key: string, token: string, now: number): TokenCheck<AckClaims> {
  const [payload, sig] = token.split('.') as [string, string];
  if (!payload || !sig || !/^[A-Za-z0-9_-]+$/.test(payload + sig)) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', key).update(payload).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
  let claims: z.infer<typeof LegacyClaimsSchema>;
  try {
    claims = LegacyClaimsSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (claims.x * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { episodeId: claims.e, source: claims.s, expiresAt: claims.x * 1000 } };
}
