import { describe, expect, it } from 'vitest';
import { signAckToken, verifyAckToken } from '#shared/ack/token';

const KEY = 'k'.repeat(48);
const NOW = Date.UTC(2026, 10, 23, 9, 0);
const claims = { episodeId: 'K7M2QX', source: 'itnio-main', expiresAt: NOW + 3600_000 };

describe('acknowledge tokens', () => {
  it('verify for the episode they name until they expire', () => {
    const t = signAckToken(KEY, claims);
    expect(verifyAckToken(KEY, t, NOW)).toEqual({ ok: true, claims });
    expect(verifyAckToken(KEY, t, NOW + 3600_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse tampering: another episode, another expiry, another key', () => {
    const t = signAckToken(KEY, claims);
    const [payload, sig] = t.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ e: 'AAAAAA', s: 'itnio-main', x: Math.floor(NOW / 1000) + 3600 })).toString('base64url');
    expect(verifyAckToken(KEY, `${forged}.${sig}`, NOW)).toEqual({ ok: false, reason: 'signature' });
    const later = Buffer.from(JSON.stringify({ e: 'K7M2QX', s: 'itnio-main', x: Math.floor(NOW / 1000) + 999_999 })).toString('base64url');
    expect(verifyAckToken(KEY, `${later}.${sig}`, NOW)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyAckToken('x'.repeat(48), t, NOW)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyAckToken(KEY, `${payload}.${sig.slice(0, -2)}`, NOW)).toEqual({ ok: false, reason: 'signature' });
  });

  it('refuse nothing, garbage and extra parts', () => {
    for (const bad of [undefined, '', 'abc', 'a.b.c', '<script>.x']) expect(verifyAckToken(KEY, bad, NOW).ok).toBe(false);
  });
});
