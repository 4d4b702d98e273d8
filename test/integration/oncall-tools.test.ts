import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAcknowledgment } from '#shared/ack/acknowledge';
import { handleWebhookEvent } from '#shared/ack/http';
import { IncidentHttp } from '#shared/notify/incident-http';
import { PagerDutyPublisher } from '#shared/notify/pagerduty';
import { CollectingPublisher, TargetPublisher } from '#shared/notify/publishers';
import { runAgentStatus } from '#shared/run/agent-status';
import { budgetFor } from '#shared/run/types';
import { PagerDutyEndpoint } from '../../local/pagerduty-endpoint';
import { type Harness, makeHarness } from '../support/harness';

const MIN = 60_000;
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdef012345';
const HOOK_SECRET = 'pd-hook-secret-3f9a';
const SECRETS: Record<string, string> = { 'ccwatch/pd': ROUTING_KEY, 'ccwatch/pd-hook': HOOK_SECRET };

/**
 * The on-call loop with PagerDuty as a channel target, through whole ticks: an escalation policy
 * reaches it at its second level, an outage there retries only PagerDuty, an acknowledgment made
 * in PagerDuty comes back by webhook and stops the policy, one made in ccwatch goes to PagerDuty,
 * and the resolve reaches every level.
 */
describe('PagerDuty in the on-call loop', () => {
  let h: Harness;
  let pd: PagerDutyEndpoint;
  let http: IncidentHttp;
  const email = new CollectingPublisher();
  const runAt = async (m: number, budgetMs?: number) => {
    h.clock.set(h.clock.start + m * MIN);
    email.sent.length = 0;
    pd.events.length = 0;
    const publisher = new TargetPublisher({
      sns: email,
      pagerduty: new PagerDutyPublisher({ loadSecret: async (id) => SECRETS[id], log: h.log, http, now: () => h.clock.now() }),
    });
    const deps = { store: h.store, publisher, readers: h.readers, log: h.log };
    const report = await runAgentStatus(h.config, `t${m}`, h.clock.now(), deps, budgetMs ? budgetFor(Date.now(), budgetMs) : undefined);
    return {
      email: email.sent.flatMap((d) => d.notices.map((n) => `${d.channel.id}: ${n.subjectId} ${n.status}`)).sort(),
      pd: pd.events.map((e) => `${e.event.event_action} ${e.event.dedup_key}`).sort(),
      failed: report.failedChannels,
    };
  };
  const episodeOf = async (agent: string) => (await h.store.episodes.openEpisodes()).find((e) => e.subjectId === agent)!;

  beforeAll(async () => {
    pd = await new PagerDutyEndpoint().start();
    http = new IncidentHttp({ backoffBaseMs: 1, backoffMaxMs: 5 });
    h = await makeHarness({
      config: (url) => ({
        sources: [{ id: 'hw', vendor: 'huawei', baseUrl: url, secretId: 'test/huawei', ccId: 1, vdn: 170, agentIds: ['1001-1003'] }],
        channels: [
          { id: 'floor', severities: ['warning'], emails: ['floor@acme.example'] },
          {
            id: 'oncall',
            severities: ['critical'],
            emails: ['oncall@acme.example'],
            pagerduty: { routingKeySecretId: 'ccwatch/pd', webhookSecretId: 'ccwatch/pd-hook', url: pd.url },
          },
        ],
        escalationPolicies: [
          {
            id: 'breaks',
            levels: [
              { after: '0m', channels: ['floor'] },
              { after: '10m', channels: ['oncall'] },
            ],
          },
        ],
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m', repeatEvery: '5m', escalation: 'breaks' }],
      }),
    });
    for (const a of ['1001', '1002', '1003']) h.sim.setState('huawei', a, h.clock.start, 'break');
  });
  afterAll(async () => {
    await h.stop();
    await http.close();
    await pd.stop();
  });

  it('the second level triggers PagerDuty with the alert id as dedup_key; an outage retries PagerDuty only', async () => {
    expect(await runAt(15)).toEqual({
      email: ['floor: 1001 firing', 'floor: 1002 firing', 'floor: 1003 firing'],
      pd: [],
      failed: [],
    });
    const ids = await Promise.all(['1001', '1002', '1003'].map(async (a) => (await episodeOf(a)).episodeId));
    // PagerDuty fails every attempt of this run: the email goes out, the triggers stay owed
    pd.failNext(20, { status: 503 });
    const at25 = await runAt(25);
    expect(at25.email).toEqual(['oncall: 1001 escalated', 'oncall: 1002 escalated', 'oncall: 1003 escalated']);
    expect(at25.failed).toEqual(['oncall:pagerduty']);
    pd.clear();
    // next run: PagerDuty gets the owed triggers; nobody gets the email again
    const at26 = await runAt(26);
    expect(at26.email).toEqual([]);
    expect(at26.pd).toEqual(ids.map((id) => `trigger ${id}`).sort());
    expect(pd.events.every((e) => e.event.routing_key === ROUTING_KEY)).toBe(true);
  });

  it('an acknowledgment in PagerDuty comes back signed and stops repeats; one made in ccwatch goes to PagerDuty', async () => {
    const [a, b] = [await episodeOf('1001'), await episodeOf('1002')];
    const raw = JSON.stringify({
      event: {
        id: 'e1',
        event_type: 'incident.acknowledged',
        resource_type: 'incident',
        occurred_at: new Date(h.clock.now()).toISOString(),
        agent: { id: 'P1', summary: 'Ann Lee', type: 'user_reference' },
        data: { id: 'Q1', type: 'incident', status: 'acknowledged', incident_key: a.episodeId, title: 'x' },
      },
    });
    const sig = `v1=${createHmac('sha256', HOOK_SECRET).update(raw).digest('hex')}`;
    const res = await handleWebhookEvent(
      {
        rawPath: '/webhooks/pagerduty/oncall',
        requestContext: { http: { method: 'POST' } },
        headers: { 'content-type': 'application/json', 'x-pagerduty-signature': sig },
        body: raw,
        isBase64Encoded: false,
      },
      { store: h.store, config: h.config, loadSecret: async (id) => SECRETS[id], now: h.clock.now() },
    );
    expect(res?.status).toBe(200);
    expect((await episodeOf('1001')).ackedBy).toBe('pagerduty:Ann Lee');
    await setAcknowledgment(h.store, { episodeId: b.episodeId, by: 'Bo', now: h.clock.now() });
    // 1003 repeats (5m after 25) at its level; the acknowledged two only tell PagerDuty so
    const at31 = await runAt(31);
    expect(at31.email).toEqual(['oncall: 1003 repeat']);
    expect(at31.pd).toEqual(
      [`acknowledge ${a.episodeId}`, `acknowledge ${b.episodeId}`, `trigger ${(await episodeOf('1003')).episodeId}`].sort(),
    );
    // passed on once
    expect((await runAt(32)).pd).toEqual([]);
  });

  it('a PagerDuty that stops answering costs neither the email nor the tick: its steps wait for the next run', async () => {
    const id = (await episodeOf('1003')).episodeId;
    pd.hang = true;
    const t0 = Date.now();
    // 1003 repeats at 36 (5m after 31): email and PagerDuty are owed it; the tick has 8 s
    const at36 = await runAt(36, 8_000);
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(at36.email).toEqual(['oncall: 1003 repeat']);
    expect(at36.failed).toEqual(['oncall:pagerduty']);
    pd.hang = false;
    const at37 = await runAt(37);
    expect(at37.email).toEqual([]);
    expect(at37.pd).toEqual([`trigger ${id}`]);
  });

  it('the resolve goes to every level reached: email to both channels, resolve to PagerDuty', async () => {
    const a = await episodeOf('1001');
    h.sim.setState('huawei', '1001', h.clock.start + 39 * MIN, 'idle');
    const at40 = await runAt(40);
    expect(at40.email).toEqual(['floor: 1001 resolved', 'oncall: 1001 resolved']);
    expect(at40.pd.filter((l) => l.endsWith(a.episodeId))).toEqual([`resolve ${a.episodeId}`]);
  });

  it('a resolve nobody is to hear of (the agent silenced meanwhile) emails nobody, yet closes the PagerDuty incident', async () => {
    const b = await episodeOf('1002');
    const t = h.clock.start + 41 * MIN;
    await h.store.silences.add(
      {
        scope: { sources: [], groups: [], agents: ['hw:1002'] },
        rules: [],
        startsAt: t,
        endsAt: t + 60 * MIN,
        createdBy: 'ann',
        comment: 'coaching',
      },
      t,
    );
    h.sim.setState('huawei', '1002', t, 'idle');
    const at42 = await runAt(42);
    expect(at42.email.filter((l) => l.includes('1002'))).toEqual([]);
    expect(at42.pd.filter((l) => l.endsWith(b.episodeId))).toEqual([`resolve ${b.episodeId}`]);
    expect(await h.store.episodes.openEpisodes()).not.toContainEqual(expect.objectContaining({ subjectId: '1002' }));
  });
});
