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

  it('tables every alert with state, duration, local start time, rule and severity', () => {
    const body = renderEmail([notice(1), notice(2, { status: 'resolved', severity: 'warning' })], {
      channel,
      now: T,
      timezones: { 'itnio-main': 'Asia/Shanghai' },
    });
    expect(body).toContain('FIRING (1)');
    expect(body).toContain('RESOLVED (1)');
    expect(body).toMatch(/E0001\s+Agent 1 \(101\)\s+itnio-main\s+sales\s+break\(5\)\s+21m\s+23 Nov, 16:39\s+long-break\s+critical/);
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
