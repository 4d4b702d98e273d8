import { describe, expect, it } from 'vitest';
import { planHealth } from '#shared/alerting/health';
import { ChannelSchema } from '#shared/config/schema';
import type { Episode } from '#shared/model/items';
import { routeStep } from '#shared/run/outbox';

const T = Date.parse('2026-11-26T09:00:00Z');
const down: Episode = {
  episodeId: 'K7M2QX',
  source: 'itn',
  kind: 'source',
  subjectId: 'itn',
  ruleId: 'source-down',
  startedAt: T,
  tier: 2,
  severity: 'critical',
  firedAt: T,
  lastNotifiedAt: T,
  step: 1,
  version: 1,
};
const channels = [
  ChannelSchema.parse({ id: 'oncall', severities: ['critical'], sms: ['+447700900123'], pagerduty: { routingKeySecretId: 'pd' } }),
  ChannelSchema.parse({ id: 'chat', severities: ['critical'], chat: { slackWorkspaceId: 'T0123ABCDE', slackChannelId: 'C0123ABCDE' } }),
];
const plan = (episode: Episode, relayAcks = true) =>
  planHealth({
    now: T + 120_000,
    fn: 'agent-status',
    source: 'itn',
    prev: { source: 'itn', consecutiveFailures: 5, lastError: 'timeout', episodeId: 'K7M2QX', version: 4 },
    episode,
    error: 'timeout',
    downAfter: 3,
    silenced: false,
    relayAcks,
  });

describe('acknowledgments passed on to on-call tools', () => {
  it('an acknowledged source-down alert is passed on once, to PagerDuty and chat only, never as SMS', () => {
    const acked = { ...down, ackedBy: 'ann', ackedAt: T + 60_000 };
    const p = plan(acked);
    expect(p.changed).toBe(true);
    expect(p.steps.map((s) => [s.kind, s.notice?.status, s.notice?.ackedBy])).toEqual([['acknowledged', 'acknowledged', 'ann']]);
    expect(routeStep(p.steps[0]!, channels)).toEqual(['oncall:pagerduty', 'chat:chat']);
    // stored with ackRelayed: nothing more to pass on
    expect(plan(p.steps[0]!.next).steps).toEqual([]);
    // without a tool to tell, nothing is planned
    expect(plan(acked, false).steps).toEqual([]);
  });

  it('a fresh acknowledgment after an un-ack is passed on again', () => {
    const relayed = { ...down, ackedBy: 'ann', ackedAt: T + 60_000, ackRelayed: T + 60_000 };
    expect(plan({ ...relayed, ackedBy: 'bo', ackedAt: T + 90_000 }).steps.map((s) => s.notice?.ackedBy)).toEqual(['bo']);
  });
});
