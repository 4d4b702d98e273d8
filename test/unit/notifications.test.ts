import { describe, expect, it } from 'vitest';
import { ChannelSchema } from '#shared/config/schema';
import type { Notice } from '#shared/model/items';
import { digestFor } from '#shared/notify/digest';
import { notificationJson, notificationText } from '../../cli/notifications';

const T = Date.parse('2026-11-26T09:00:00Z');
const notice: Notice = {
  status: 'acknowledged',
  severity: 'critical',
  kind: 'agent',
  source: 'hw',
  subjectId: '1001',
  subjectName: 'Alice Chen',
  ruleId: 'long-break',
  episodeId: 'K7M2QX',
  step: 4,
  startedAt: T - 30 * 60_000,
  forSec: 1800,
  agent: { groups: [], state: 'break', vendorState: '3' },
  ackedBy: 'ann',
};
const channel = ChannelSchema.parse({
  id: 'oncall',
  severities: ['critical'],
  sms: ['+447700900123'],
  pagerduty: { routingKeySecretId: 'ccwatch/pd' },
});

describe('dry-run notifications for on-call tools', () => {
  it('a line per target: --json names it, the text says what the tool is sent', () => {
    const pd = digestFor(channel, 'pagerduty', [notice], { now: T, timezones: {} });
    expect(notificationJson(pd)).toMatchObject({
      channel: 'oncall',
      target: 'pagerduty',
      severity: 'critical',
      alerts: [expect.objectContaining({ id: '1001', status: 'acknowledged', episode: 'K7M2QX', step: 4 })],
      steps: ['K7M2QX#4'],
    });
    expect(notificationText(pd)).toBe(
      '--- oncall -> pagerduty ---\nacknowledged K7M2QX: agent Alice Chen on hw, rule long-break, critical\n',
    );
    const sns = digestFor(channel, 'sns', [{ ...notice, status: 'firing' }], { now: T, timezones: {} });
    expect(notificationJson(sns).target).toBe('sns');
    expect(notificationText(sns)).toMatch(/^--- oncall ---\nSMS: ccwatch> CRIT 1 open: Alice Chen break 30m \[K7M2QX\]/);
  });
});
