import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ackLinkMaker, pageLinkMaker } from '#shared/ack/link';
import { signAckToken, signPageToken, verifyAckToken, verifyPageToken } from '#shared/ack/token';
import { parseConfig } from '#shared/config/parse';

const KEY = 'k'.repeat(48);
const NOW = Date.UTC(2026, 10, 23, 9, 0);
const claims = { episodeId: 'K7M2QX', source: 'itnio-main', expiresAt: NOW + 3600_000 };
const page = { channel: 'supervisors', expiresAt: NOW + 3600_000 };
/** A function URL as Lambda makes them: 32 characters of id, then the region. */
const FN_URL = `https://${'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6'}.lambda-url.ap-southeast-1.on.aws/`;

/** The first token format, still accepted for the day after a deploy. */
function legacyToken(key: string, c: { e: string; s: string; x: number }): string {
  const payload = Buffer.from(JSON.stringify(c)).toString('base64url');
  return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
}

describe('acknowledge tokens', () => {
  it('verify for the episode they name until they expire', () => {
    const t = signAckToken(KEY, claims);
    expect(t).toMatch(/^K7M2QX\.itnio-main\.[0-9a-z]{6}\.[\w-]{22}$/);
    expect(verifyAckToken(KEY, t, NOW)).toEqual({ ok: true, claims });
    expect(verifyAckToken(KEY, t, NOW + 3600_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse tampering: another episode, another source, another expiry, another key, a cut MAC', () => {
    const t = signAckToken(KEY, claims);
    const [e, s, x, mac] = t.split('.') as [string, string, string, string];
    expect(verifyAckToken(KEY, [`AAAAAA`, s, x, mac].join('.'), NOW)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyAckToken(KEY, [e, 'hw-main', x, mac].join('.'), NOW)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyAckToken(KEY, [e, s, (Number.parseInt(x, 36) + 999_999).toString(36), mac].join('.'), NOW)).toEqual({
      ok: false,
      reason: 'signature',
    });
    expect(verifyAckToken('x'.repeat(48), t, NOW)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyAckToken(KEY, t.slice(0, -2), NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuse nothing, garbage and extra parts', () => {
    for (const bad of [undefined, '', 'abc', 'a.b.c', '<script>.x', `${signAckToken(KEY, claims)}.x`])
      expect(verifyAckToken(KEY, bad, NOW).ok).toBe(false);
  });

  it('still take the first, longer format until it expires, and refuse it forged', () => {
    const x = Math.floor(claims.expiresAt / 1000);
    expect(verifyAckToken(KEY, legacyToken(KEY, { e: 'K7M2QX', s: 'itnio-main', x }), NOW)).toEqual({ ok: true, claims });
    expect(verifyAckToken(KEY, legacyToken(KEY, { e: 'K7M2QX', s: 'itnio-main', x: Math.floor(NOW / 1000) }), NOW)).toEqual({
      ok: false,
      reason: 'expired',
    });
    const [, sig] = legacyToken(KEY, { e: 'K7M2QX', s: 'itnio-main', x }).split('.');
    const forged = Buffer.from(JSON.stringify({ e: 'AAAAAA', s: 'itnio-main', x })).toString('base64url');
    expect(verifyAckToken(KEY, `${forged}.${sig}`, NOW)).toEqual({ ok: false, reason: 'signature' });
  });
});

describe('open-alerts page tokens', () => {
  it('verify for the channel they name until they expire', () => {
    const t = signPageToken(KEY, page);
    expect(t).toMatch(/^supervisors\.[0-9a-z]{6}\.[\w-]{22}$/);
    expect(verifyPageToken(KEY, t, NOW)).toEqual({ ok: true, claims: page });
    expect(verifyPageToken(KEY, t, page.expiresAt)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse another channel, another key, and either kind of token used as the other', () => {
    const [, x, mac] = signPageToken(KEY, page).split('.') as [string, string, string];
    expect(verifyPageToken(KEY, ['oncall', x, mac].join('.'), NOW)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyPageToken('x'.repeat(48), signPageToken(KEY, page), NOW)).toEqual({ ok: false, reason: 'signature' });
    // the same text signed as one kind never verifies as the other
    const ack = signAckToken(KEY, claims);
    expect(verifyPageToken(KEY, ack.split('.').slice(1).join('.'), NOW).ok).toBe(false);
    const asAck = createHmac('sha256', KEY).update(`ack:supervisors.${x}`).digest().subarray(0, 16).toString('base64url');
    expect(verifyPageToken(KEY, `supervisors.${x}.${asAck}`, NOW)).toEqual({ ok: false, reason: 'signature' });
    for (const bad of [undefined, '', 'supervisors', 'super visors.x.y', `a.${x}.${mac}.z`])
      expect(verifyPageToken(KEY, bad, NOW).ok).toBe(false);
  });

  it('make short links: 124 and 118 characters on a function URL, where the first format took 183', () => {
    const config = parseConfig(
      {
        sources: [{ id: 'itnio-main', vendor: 'itnio', baseUrl: 'https://api.itnio.example', secretId: 'x' }],
        channels: [{ id: 'supervisors', severities: ['warning', 'critical'] }],
      },
      'test',
    );
    const ackLink = ackLinkMaker(FN_URL, KEY, NOW)({ episodeId: 'K7M2QX', source: 'itnio-main' } as never)!;
    const pageLink = pageLinkMaker(FN_URL, KEY, NOW)(config.channels[0]!)!;
    expect(ackLink).toMatch(/^https:\/\/\w{32}\.lambda-url\.ap-southeast-1\.on\.aws\/\?t=K7M2QX\.itnio-main\.\w+\.[\w-]{22}$/);
    expect(pageLink).toMatch(/^https:\/\/\w{32}\.lambda-url\.ap-southeast-1\.on\.aws\/\?c=supervisors\.\w+\.[\w-]{22}$/);
    expect(ackLink.length).toBe(124);
    expect(pageLink.length).toBe(118);
    const x = Math.floor((NOW + 24 * 3600_000) / 1000);
    expect(`${FN_URL}?t=${legacyToken(KEY, { e: 'K7M2QX', s: 'itnio-main', x })}`.length).toBe(183);
  });
});
