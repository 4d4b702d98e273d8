import { describe, expect, it } from 'vitest';
import { ChannelSchema } from '#shared/config/schema';
import type { Notice } from '#shared/model/items';
import { renderEmail, renderSubject } from '#shared/notify/email';
import { renderSms } from '#shared/notify/sms';
import { smsLength } from '#shared/notify/sms-length';

const T = Date.UTC(2026, 10, 23, 9, 0);
const channel = ChannelSchema.parse({ id: 'oncall', severities: ['critical'], displayName: 'CCWATCH', sms: ['+8613800138000'] });

function notice(i: number, p: Partial<Notice> = {}): Notice {
  return {
    status: 'firing',
    severity: 'critical',
    kind: 'agent',
    source: 'itnio-main',
    subjectId: String(100 + i),
    subjectName: `Agent ${i}`,
    ruleId: 'long-break',
    episodeId: `E${String(i).padStart(4, '0')}`,
    step: 1,
    startedAt: T - (20 + i) * 60_000,
    forSec: (20 + i) * 60,
    agent: { groups: ['sales'], state: 'break', vendorState: '5' },
    ...p,
  };
}

describe('SMS digest', () => {
  it('fits one GSM-7 segment with the display-name prefix, and says how many more', () => {
    const sms = renderSms(
      Array.from({ length: 12 }, (_, i) => notice(i)),
      channel,
    );
    expect(smsLength(`CCWATCH> ${sms}`)).toMatchObject({ ucs2: false });
    expect(smsLength(`CCWATCH> ${sms}`).units).toBeLessThanOrEqual(160);
    expect(sms).toMatch(/^CRIT 12 open: Agent 11 break 31m \[E0011\]/);
    const shown = (sms.match(/\[E\d{4}\]/g) ?? []).length;
    expect(sms).toMatch(new RegExp(`\\+${12 - shown} more$`));
  });

  it('drops to the 70-character UCS-2 budget when a name needs it', () => {
    const sms = renderSms([notice(9, { subjectName: '王芳' }), notice(2), notice(3)], channel);
    expect(smsLength(`CCWATCH> ${sms}`)).toMatchObject({ ucs2: true });
    expect(smsLength(`CCWATCH> ${sms}`).units).toBeLessThanOrEqual(70);
    expect(sms).toContain('more');
  });

  it('counts resolved separately', () => {
    expect(renderSms([notice(1, { status: 'resolved' })], channel)).toBe('OK 1 resolved: Agent 1 break 21m [E0001]');
    // closed rather than ended (its source left the config): said so, not a state it is not in
    expect(renderSms([notice(1, { status: 'resolved', closed: 'source hw-main was removed from the configuration' })], channel)).toBe(
      'OK 1 resolved: Agent 1 closed [E0001]',
    );
  });
});

describe('email digest', () => {
  it('has an ASCII subject under 100 characters even for long non-ASCII names', () => {
    const s = renderSubject(
      [notice(1, { subjectName: '王芳'.repeat(40) }), ...Array.from({ length: 50 }, (_, i) => notice(i + 2))],
      channel,
    );
    expect(s.length).toBeLessThan(100);
    expect(s).toMatch(/^[\x20-\x7e]+$/);
    expect(s).toContain('CRITICAL: 51 firing');
  });

  it('gives each alert a short block a person reads on a phone: who, state in words, since when in the source zone, rule', () => {
    const body = renderEmail(
      [
        notice(1, { status: 'escalated', why: 'not acknowledged within 10m' }),
        notice(2, { status: 'resolved', severity: 'warning', agent: { groups: [], state: 'idle', vendorState: '4' } }),
      ],
      { channel, now: T, timezones: { 'itnio-main': 'Asia/Shanghai' }, ackLink: (n) => `https://ack.example/a/${n.episodeId}` },
    );
    const lines = body.split('\n');
    // the summary comes first, its time in the one zone every alert shares
    expect(lines[0]).toBe('ccwatch oncall: 1 escalated, 1 resolved');
    expect(lines[1]).toBe('as of 23 Nov, 17:00 GMT+8');
    expect(body).toContain(
      [
        'ESCALATED (1)',
        '',
        'Agent 1 (101) · itnio-main · sales',
        '  On break for 21m, since 23 Nov, 16:39 GMT+8',
        '  Rule long-break, critical: escalated, not acknowledged within 10m',
        '  Alert E0001, acknowledge or snooze: https://ack.example/a/E0001',
      ].join('\n'),
    );
    expect(body).toContain(
      ['RESOLVED (1)', '', 'Agent 2 (102) · itnio-main', '  Now available, after 22m', '  Rule long-break', '  Alert E0002'].join('\n'),
    );
    // no vendor code unless the rule targets codes; no line wider than a phone shows without the link
    expect(body).not.toMatch(/\(5\)|vendor state/);
    for (const l of lines.filter((x) => !x.includes('https://') && !x.startsWith('Steps:'))) expect(l.length).toBeLessThanOrEqual(72);
  });

  it('names vendor codes after the words when the rule targets them, and UTC when sources differ in zone', () => {
    const n = notice(1, { agent: { groups: [], state: 'break', vendorState: '8', reason: 'Meal (3)', reasonCode: '3' } });
    const other = notice(2, { source: 'hw-main' });
    const body = renderEmail([n, other], { channel, now: T, timezones: { 'itnio-main': 'Asia/Shanghai' }, showCodes: () => true });
    expect(body).toContain('  On break: Meal (vendor state 8, reason 3) for 21m, since 23 Nov, 16:39 GMT+8');
    expect(body).toContain('since 23 Nov, 08:38 UTC');
    expect(body.split('\n')[1]).toBe('as of 23 Nov, 09:00 UTC');
  });
});

describe('digest size', () => {
  it('fits SNS however many alerts changed, listing the worst and counting the rest', async () => {
    const { renderDigest, snsMessageBytes, SNS_MESSAGE_BUDGET } = await import('#shared/notify/digest');
    const many = Array.from({ length: 10_000 }, (_, i) => notice(i, { subjectName: `Agent with a rather long display name ${i}` }));
    const m = renderDigest(many, { channel, now: T, timezones: {} });
    expect(snsMessageBytes(m)).toBeLessThanOrEqual(SNS_MESSAGE_BUDGET);
    expect(m.email).toContain('FIRING (10000)');
    expect(m.email).toMatch(/longest-running shown; \d+ more not listed/);
    // the worst (longest) is listed
    expect(m.email).toContain('E9999');
  });
});

describe('channel routing', () => {
  it('a channel takes only its severities, sources and kinds', async () => {
    const { buildDigests } = await import('#shared/notify/digest');
    const channels = [
      ChannelSchema.parse({ id: 'all', severities: ['warning', 'critical'] }),
      ChannelSchema.parse({ id: 'huawei-floor', severities: ['warning', 'critical'], sources: ['hw-main'] }),
      ChannelSchema.parse({ id: 'dialer', severities: ['warning'], kinds: ['task'] }),
      ChannelSchema.parse({ id: 'oncall', severities: ['critical'] }),
    ];
    const notices = [
      notice(1, { severity: 'warning' }),
      notice(2, { severity: 'critical', source: 'hw-main' }),
      notice(3, {
        severity: 'warning',
        kind: 'task',
        task: { counts: { '7': 5 }, attempted: 10, share: 0.5, topReasons: [], examples: [] },
      }),
    ];
    const routed = Object.fromEntries(buildDigests(notices, channels, T, {}).map((d) => [d.channel.id, d.notices.map((n) => n.subjectId)]));
    expect(routed).toEqual({ all: ['101', '102', '103'], 'huawei-floor': ['102'], dialer: ['103'], oncall: ['102'] });
  });
});
