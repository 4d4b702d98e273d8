import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/parse';
import { FN } from '#shared/contracts/names';
import { IncidentHttp } from '#shared/notify/incident-http';
import { PagerDutyPublisher } from '#shared/notify/pagerduty';
import { CollectingPublisher, TargetPublisher } from '#shared/notify/publishers';
import { runAgentStatus } from '#shared/run/agent-status';
import { runPreviewTasks } from '#shared/run/preview-tasks';
import { keys } from '#shared/store/table';
import { dialerTask } from '#simulator/population';
import { PagerDutyEndpoint } from '../../local/pagerduty-endpoint';
import { type Harness, makeHarness, TOPICS, whoIn } from '../support/harness';
import { population } from '../support/sim';

const MIN = 60_000;
const LONG_BREAK = { agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }] };

/** The harness's config less hw-main. */
const withoutHw = (h: Harness) => ({ ...h.config, sources: h.config.sources.filter((s) => s.id !== 'hw-main') });

/** Who the RESOLVED emails name over five ticks a minute apart under `config`. */
async function resolvedOver(h: Harness, config: ReturnType<typeof withoutHw>): Promise<string[]> {
  const resolved: string[] = [];
  for (let k = 0; k < 5; k++) {
    h.clock.advance(MIN);
    await h.run({ config });
    resolved.push(...whoIn(h.take(), 'RESOLVED'));
  }
  return resolved;
}

/**
 * A source taken out of the configuration leaves its open alerts behind, with nobody to resolve
 * them (a PagerDuty incident among them would page on). ccwatch closes them once nothing reads
 * the source any more, and says why.
 */
describe('a source taken out of the configuration', () => {
  let h: Harness;
  let closedId = '';
  const hwOpen = async () => (await h.store.episodes.openEpisodes()).filter((e) => e.source === 'hw-main');
  const without = () => withoutHw(h);
  const tick = async (config = h.config) => {
    h.clock.advance(MIN);
    await h.run({ config });
    return h.take();
  };
  beforeAll(async () => {
    h = await makeHarness({ config: () => LONG_BREAK });
    h.sim.setState('huawei', '1001', h.clock.now() - 20 * MIN, 'break');
    await h.run();
    expect(whoIn(h.take())).toEqual(['1001']);
  });
  afterAll(() => h.stop());

  it('a table shared with a run that still reads the source closes nothing', async () => {
    // two configs on one table, one with hw-main and one without, ticking in turn
    for (let k = 0; k < 6; k++) expect(whoIn(await tick(k % 2 ? h.config : without()), 'RESOLVED')).toEqual([]);
    expect(await hwOpen()).toHaveLength(1);
  });

  it('closes its open alerts once nothing has read it for two intervals, says why, then sends nothing more', async () => {
    const [open] = await hwOpen();
    closedId = open!.episodeId;
    const sent: string[] = [];
    let closedAt = 0;
    for (let k = 1; k <= 5 && !closedAt; k++) {
      const mail = (await tick(without())).filter((m) => m.topicArn === TOPICS.supervisors).map((m) => m.bodies!.email!);
      sent.push(...mail);
      if (mail.length) closedAt = k;
    }
    // its state was saved a moment ago: not at the first tick without it, within the fourth
    expect(closedAt).toBeGreaterThan(1);
    expect(closedAt).toBeLessThanOrEqual(4);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/RESOLVED \(1\)/);
    expect(sent[0]).toMatch(/1001 · hw-main\n {2}Closed after \d+m: source hw-main was removed from the configuration/);
    expect(sent[0]).toContain(`Alert ${open!.episodeId}`);
    expect(await hwOpen()).toEqual([]);
    expect((await h.store.episodes.getEpisode('hw-main', open!.episodeId))?.resolvedAt).toBe(h.clock.now());
    expect(await h.snapshot('hw-main')).toEqual([]);
    // the other sources go on as before; nothing more about hw-main, and it leaves the list
    expect(await tick(without())).toEqual([]);
    expect(await tick(without())).toEqual([]);
    expect((await h.store.watched.load(FN.agentStatus))?.retiring).toEqual([]);
  });

  it('added back, it starts afresh: an agent still on break fires as a new alert, open in the store (not the closed one come back)', async () => {
    const sent = await tick(h.config);
    expect(whoIn(sent)).toEqual(['1001']);
    const [reopened] = await hwOpen();
    expect(reopened).toBeDefined();
    expect(reopened!.episodeId).not.toBe(closedId);
    expect(sent.find((m) => m.topicArn === TOPICS.supervisors)?.bodies?.email).toContain(`Alert ${reopened!.episodeId}`);
  });
});

describe('a source removed in the same deploy that brings this version', () => {
  let h: Harness;
  afterAll(() => h.stop());

  it('is known as removed by the alerts it left open, and they are closed', async () => {
    h = await makeHarness({ config: () => LONG_BREAK });
    h.sim.setState('huawei', '1002', h.clock.now() - 20 * MIN, 'break');
    await h.run();
    expect(whoIn(h.take())).toEqual(['1002']);
    // the earlier version kept no list of what it watched
    await h.client.send(
      new DeleteItemCommand({ TableName: h.store.tableName, Key: { pk: { S: keys.watched(FN.agentStatus) }, sk: { S: keys.watchedSk } } }),
    );
    expect(await resolvedOver(h, withoutHw(h))).toEqual(['1002']);
    expect((await h.store.episodes.openEpisodes()).filter((e) => e.source === 'hw-main')).toEqual([]);
  });
});

describe("a removed source's alerts in PagerDuty, and silenced ones", () => {
  let h: Harness;
  let pd: PagerDutyEndpoint;
  let http: IncidentHttp;
  const email = new CollectingPublisher();
  const channels = (pdSources: string[]) => [
    { id: 'floor', severities: ['warning', 'critical'], emails: ['floor@acme.example'] },
    { id: 'pd', severities: ['warning'], sources: pdSources, pagerduty: { routingKeySecretId: 'ccwatch/pd', url: pd.url } },
  ];
  const tick = async (config = h.config) => {
    h.clock.advance(MIN);
    email.sent.length = 0;
    pd.events.length = 0;
    const publisher = new TargetPublisher({
      sns: email,
      pagerduty: new PagerDutyPublisher({
        loadSecret: async () => 'R0UT1NGKEY0123456789abcdef012345',
        log: h.log,
        http,
        now: () => h.clock.now(),
      }),
    });
    await runAgentStatus(config, `t${h.clock.now()}`, h.clock.now(), { store: h.store, publisher, readers: h.readers, log: h.log });
    return {
      email: email.sent
        .flatMap((d) => d.notices.map((n) => `${d.channel.id}: ${n.subjectId} ${n.status}${n.closed ? ' (closed)' : ''}`))
        .sort(),
      pd: pd.events.map((e) => `${e.event.event_action} ${e.event.dedup_key}`).sort(),
    };
  };
  beforeAll(async () => {
    pd = await new PagerDutyEndpoint().start();
    http = new IncidentHttp({ backoffBaseMs: 1, backoffMaxMs: 5 });
    h = await makeHarness({
      config: () => ({ channels: channels(['hw-main']), ...LONG_BREAK }),
    });
  });
  afterAll(async () => {
    await h.stop();
    await http.close();
    await pd.stop();
  });

  it('closes the PagerDuty incident though the channel no longer names the source, and tells nobody of a silenced one', async () => {
    for (const a of ['1001', '1002']) h.sim.setState('huawei', a, h.clock.now() - 20 * MIN, 'break');
    const fired = await tick();
    expect(fired.email).toEqual(['floor: 1001 firing', 'floor: 1002 firing']);
    const ids = (await h.store.episodes.openEpisodes()).filter((e) => e.source === 'hw-main').map((e) => e.episodeId);
    expect(fired.pd).toEqual(ids.map((id) => `trigger ${id}`).sort());
    const t = h.clock.now();
    await h.store.silences.add(
      {
        scope: { sources: [], groups: [], agents: ['hw-main:1002'] },
        rules: [],
        startsAt: t,
        endsAt: t + 2 * 60 * MIN,
        createdBy: 'ann',
        comment: 'coaching',
      },
      t,
    );
    // hw-main leaves the config, and with it the PagerDuty channel's source filter (it must name known sources)
    const removed = parseConfig(
      {
        sources: h.config.sources.filter((s) => s.id !== 'hw-main'),
        channels: channels(['itnio-main']),
        ...LONG_BREAK,
      },
      'test',
    );
    const seen = { email: [] as string[], pd: [] as string[] };
    for (let k = 0; k < 5; k++) {
      const out = await tick(removed);
      seen.email.push(...out.email);
      seen.pd.push(...out.pd);
    }
    expect(seen.email).toEqual(['floor: 1001 resolved (closed)']);
    expect(seen.pd.sort()).toEqual(ids.map((id) => `resolve ${id}`).sort());
  });
});

describe('the last task rule taken out of the config', () => {
  let h: Harness;
  afterAll(() => h.stop());

  it('closes the task alerts it left open, though the preview-tasks function no longer runs', async () => {
    h = await makeHarness({
      population: (t0) => {
        const pop = population(t0);
        pop.itnio!.tasks = [
          dialerTask({ taskId: 700, name: 'Win-back', t0: t0 - 30 * MIN, contacts: 200, dialEverySec: 30, abnormal: (i) => i % 4 !== 0 }),
        ];
        return pop;
      },
      config: () => ({ taskRules: [{ id: 'winback', source: 'itnio-main', taskIds: [700], abnormalCount: 10 }] }),
    });
    const deps = { store: h.store, publisher: h.publisher, readers: h.readers, log: h.log };
    await runPreviewTasks(h.config, 't0', h.clock.now(), deps);
    const [open] = (await h.store.episodes.openEpisodes()).filter((e) => e.kind === 'task');
    expect(open?.subjectId).toBe('700');
    h.take();
    // no task rule left: only agent-status runs (the CLI runs nothing else; CDK deploys nothing else)
    const config = { ...h.config, taskRules: [] };
    const mail: string[] = [];
    for (let k = 0; k < 5; k++) {
      h.clock.advance(MIN);
      await h.run({ config });
      mail.push(...h.take().flatMap((m) => (m.bodies?.email?.includes(open!.episodeId) ? [m.bodies.email] : [])));
    }
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatch(/Task Win-back \(700\) · itnio-main\n {2}Closed after \d+m: no task rule reads source itnio-main any more/);
    expect((await h.store.episodes.openEpisodes()).filter((e) => e.kind === 'task')).toEqual([]);
  });
});

describe('another config run on the same table (two ccwatch run in one folder, one after the other)', () => {
  let h: Harness;
  afterAll(() => h.stop());

  it("sharing no source with the last tick's, it closes nothing of the other's", async () => {
    h = await makeHarness({ config: () => LONG_BREAK });
    const only = (id: string) => ({ ...h.config, sources: h.config.sources.filter((s) => s.id === id) });
    h.sim.setState('huawei', '1003', h.clock.now() - 20 * MIN, 'break');
    await h.run({ config: only('hw-main') });
    expect(whoIn(h.take())).toEqual(['1003']);
    for (let k = 0; k < 6; k++) {
      h.clock.advance(MIN);
      await h.run({ config: only('itnio-main') });
      expect(whoIn(h.take(), 'RESOLVED')).toEqual([]);
    }
    expect((await h.store.episodes.openEpisodes()).map((e) => e.subjectId)).toEqual(['1003']);
  });
});

describe('a timeline replayed months back (run --now)', () => {
  let h: Harness;
  afterAll(() => h.stop());

  it('closes a removed source all the same: what it owes is kept by the wall clock, not by the replayed one', async () => {
    h = await makeHarness({ config: () => LONG_BREAK });
    h.clock.set(Date.UTC(2026, 0, 5, 9, 0, 0));
    h.sim.setState('huawei', '1004', h.clock.now() - 20 * MIN, 'break');
    await h.run();
    expect(whoIn(h.take())).toEqual(['1004']);
    expect(await resolvedOver(h, withoutHw(h))).toEqual(['1004']);
  });
});
