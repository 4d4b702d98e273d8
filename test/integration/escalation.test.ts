import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { setAcknowledgment } from '#shared/ack/acknowledge';
import { CollectingPublisher } from '#shared/notify/publishers';
import { runAgentStatus } from '#shared/run/agent-status';
import { buildCli, ccwatch } from '../support/cli';
import { type Harness, makeHarness } from '../support/harness';

const MIN = 60_000;

/**
 * An escalation policy through whole ticks against DynamoDB Local and the vendor simulator: who
 * is told at each level, what an acknowledgment and a snooze do, a repeat of the policy, and a
 * resolve that tells every level reached.
 */
describe('escalation policies', () => {
  let h: Harness;
  const publisher = new CollectingPublisher();
  /** Runs a tick at minute m and returns "channel: agent status" lines, sorted. */
  const runAt = async (m: number) => {
    h.clock.set(h.clock.start + m * MIN);
    publisher.sent.length = 0;
    await runAgentStatus(h.config, `t${m}`, h.clock.now(), { store: h.store, publisher, readers: h.readers, log: h.log });
    return publisher.sent.flatMap((d) => d.notices.map((n) => `${d.channel.id}: ${n.subjectId} ${n.status} ${n.severity}`)).sort();
  };
  const episodeOf = async (agent: string) => (await h.store.episodes.openEpisodes()).find((e) => e.subjectId === agent)!;

  beforeAll(async () => {
    await buildCli();
    h = await makeHarness({
      config: (url) => ({
        sources: [{ id: 'hw', vendor: 'huawei', baseUrl: url, secretId: 'test/huawei', ccId: 1, vdn: 170, agentIds: ['1001-1004'] }],
        channels: [
          { id: 'supervisors', severities: ['warning'], emails: ['lead@acme.example'] },
          // takes critical by severity, but the policy routes by level: it hears only at level 2
          { id: 'oncall', severities: ['critical'], sms: ['+8613800138000'] },
          { id: 'manager', severities: ['info'], emails: ['boss@acme.example'] },
        ],
        escalationPolicies: [
          {
            id: 'ladder',
            levels: [
              { after: '0m', channels: ['supervisors'] },
              { after: '10m', channels: ['oncall'] },
              { after: '20m', channels: ['manager'] },
            ],
            repeat: 1,
          },
        ],
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m', escalation: 'ladder' }],
      }),
    });
    for (const a of ['1001', '1002', '1003']) h.sim.setState('huawei', a, h.clock.start, 'break');
  });
  afterAll(() => h.stop());

  it('fires to the first level only, then each level its delay later', async () => {
    expect(await runAt(15)).toEqual([
      'supervisors: 1001 firing warning',
      'supervisors: 1002 firing warning',
      'supervisors: 1003 firing warning',
    ]);
    // 1002 acknowledged: no further level; 1003 snoozed for 30m: paused until 51, then its level 2 comes 10m later
    await setAcknowledgment(h.store, { episodeId: (await episodeOf('1002')).episodeId, by: 'Ann', now: h.clock.start + 16 * MIN });
    expect(await runAt(20)).toEqual([]);
    await setAcknowledgment(h.store, {
      episodeId: (await episodeOf('1003')).episodeId,
      by: 'Bo',
      snoozeSec: 30 * 60,
      now: h.clock.start + 21 * MIN,
    });
    expect(await runAt(25)).toEqual(['oncall: 1001 escalated critical']);
    expect(await runAt(35)).toEqual(['manager: 1001 escalated critical']);
  });

  it('starts the policy again with repeat, the last two levels gap later, and stops after', async () => {
    expect(await runAt(45)).toEqual(['supervisors: 1001 escalated warning']);
    expect(await runAt(55)).toEqual(['oncall: 1001 escalated critical']);
    // 1003's snooze ended at 51: its level 2 comes a whole 10m after, at 61
    expect(await runAt(60)).toEqual([]);
    expect(await runAt(61)).toEqual(['oncall: 1003 escalated critical']);
    expect(await runAt(65)).toEqual(['manager: 1001 escalated critical']);
    // 1001 is done (its one repeat ran); 1003 goes on to its last level
    expect(await runAt(75)).toEqual(['manager: 1003 escalated critical']);
    // and starts again for 1003 too
    expect(await runAt(85)).toEqual(['supervisors: 1003 escalated warning']);
    const e = await episodeOf('1001');
    expect([e.level, e.cycle]).toEqual([2, 1]);
    // operators see where each alert is in its policy
    const list = await ccwatch(['alerts', '--ddb-endpoint', inject('ddbEndpoint'), '--table', h.store.tableName]);
    expect(list.stdout).toMatch(new RegExp(`^${e.episodeId}  tier 2  agent 1001 .* not acknowledged  level 3 \\(round 2\\)$`, 'm'));
  });

  it('a resolve tells every level reached, and only those', async () => {
    for (const a of ['1001', '1002', '1003']) h.sim.setState('huawei', a, h.clock.start + 89 * MIN, 'idle');
    expect(await runAt(90)).toEqual([
      'manager: 1001 resolved critical',
      'manager: 1003 resolved warning',
      'oncall: 1001 resolved critical',
      'oncall: 1003 resolved warning',
      'supervisors: 1001 resolved critical',
      'supervisors: 1002 resolved warning',
      'supervisors: 1003 resolved warning',
    ]);
  });
});
