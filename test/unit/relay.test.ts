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

describe('an acknowledgment of a two-tier alert', () => {
  it('goes to the tools told at either tier: the warning channel that was paged at firing too', async () => {
    const { planAgents } = await import('#shared/alerting/agents');
    const { AgentRuleSchema } = await import('#shared/config/schema');
    const rule = AgentRuleSchema.parse({ id: 'long-break', states: ['break'], after: '15m', escalateAfter: '30m' });
    const escalated: Episode = {
      ...down,
      kind: 'agent',
      subjectId: '1001',
      ruleId: 'long-break',
      tier: 2,
      severity: 'critical',
      startedAt: T - 40 * 60_000,
      ackedBy: 'ann',
      ackedAt: T + 60_000,
    };
    const plan = planAgents({
      now: T + 120_000,
      source: 'itn',
      observed: [{ source: 'itn', agentId: '1001', name: 'Alice', groups: [], state: 'break', vendorState: '3', observedAt: T + 120_000 }],
      previous: [
        {
          source: 'itn',
          agentId: '1001',
          name: 'Alice',
          groups: [],
          state: 'break',
          vendorState: '3',
          since: escalated.startedAt,
          run: { ruleId: 'long-break', since: escalated.startedAt },
          episodeId: 'K7M2QX',
        },
      ],
      episodes: new Map([['K7M2QX', escalated]]),
      rules: [rule],
      silences: [],
      open: true,
      relayAcks: true,
    });
    expect(plan.steps.map((s) => s.kind)).toEqual(['acknowledged']);
    const floor = ChannelSchema.parse({
      id: 'floor',
      severities: ['warning'],
      emails: ['a@b.example'],
      pagerduty: { routingKeySecretId: 'pd2' },
    });
    expect(routeStep(plan.steps[0]!, [...channels, floor])).toEqual(['oncall:pagerduty', 'chat:chat', 'floor:pagerduty']);
  });
});
