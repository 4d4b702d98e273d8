import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { FN } from '#shared/contracts/names';
import { runAgentStatus } from '#shared/run/agent-status';
import { budgetFor } from '#shared/run/types';
import { HUAWEI_STATUS_PATH } from '#shared/vendors/huawei';
import { DynamoProxy } from '../support/ddb-proxy';
import { type Harness, makeHarness, TOPICS, whoIn } from '../support/harness';

const MIN = 60_000;
const BREAK_RULE = { id: 'long-break', states: ['break'], after: '15m', repeatEvery: '30m' };

const heading = (msgs: ReturnType<Harness['take']>, topic: string, h: string) => whoIn(msgs, h, topic);

describe('upgrading a deployed table', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness({ config: () => ({ agentRules: [BREAK_RULE] }) });
  });
  afterAll(() => h.stop());

  it('the first run moves per-agent items to the compact state without losing an open alert', async () => {
    const source = 'itnio-main';
    const since = h.clock.now() - 20 * MIN;
    h.sim.setState('itnio', '1', since, 'break');
    // what the previous version stored: one item per agent, and an open episode (no step counter)
    const episode = {
      episodeId: 'K7M2QX',
      source,
      kind: 'agent',
      subjectId: '1',
      ruleId: 'long-break',
      startedAt: since,
      tier: 1,
      severity: 'warning',
      firedAt: since + 15 * MIN,
      lastNotifiedAt: since + 15 * MIN,
      subjectName: 'Agent 1',
      version: 1,
    };
    const agent = {
      source,
      agentId: '1',
      name: 'Agent 1',
      groups: ['sales'],
      state: 'break',
      vendorState: '5',
      since,
      run: { ruleId: 'long-break', since },
      episodeId: 'K7M2QX',
      version: 3,
    };
    const doc = h.store.table.doc;
    const TableName = h.store.tableName;
    await doc.send(new PutCommand({ TableName, Item: { pk: 'EPISODE', sk: `K7M2QX#${source}#EPISODE`, type: 'episode', ...episode } }));
    await doc.send(new PutCommand({ TableName, Item: { pk: `SRC#${source}`, sk: 'AGENT#1', type: 'agent', ...agent } }));

    // and a notice the old version could not publish, kept for the channel's next run
    const unsent = {
      status: 'firing',
      severity: 'warning',
      kind: 'agent',
      source,
      subjectId: '7',
      subjectName: 'Agent 7',
      ruleId: 'long-break',
      episodeId: 'J43KRM',
      startedAt: since,
      forSec: 900,
      dueAt: since + 15 * MIN,
    };
    await doc.send(
      new PutCommand({
        TableName,
        Item: {
          pk: `OUTBOX#${FN.agentStatus}#supervisors`,
          sk: `J43KRM#firing#${since}`,
          type: 'outbox',
          fn: FN.agentStatus,
          channel: 'supervisors',
          notice: unsent,
        },
      }),
    );

    await h.run();
    // the open alert was already sent by the old version: nothing new about it, and it stays open;
    // the old version's unsent notice goes out now, marked delayed, and is not kept any more
    const first = h.take();
    expect(heading(first, TOPICS.supervisors, 'FIRING')).toEqual(['Agent 7 (7)']);
    expect(first[0]!.bodies!.email).toMatch(/Delayed: J43KRM firing/);
    expect(await h.store.table.queryAll(`OUTBOX#${FN.agentStatus}#supervisors`, '')).toEqual([]);
    expect((await h.snapshot(source)).find((a) => a.agentId === '1')).toMatchObject({ episodeId: 'K7M2QX', since });
    expect(await h.store.table.queryAll(`SRC#${source}`, 'AGENT#')).toEqual([]);

    h.sim.setState('itnio', '1', h.clock.now() + MIN, 'idle');
    h.clock.advance(2 * MIN);
    await h.run();
    const resolved = h.take();
    expect(heading(resolved, TOPICS.supervisors, 'RESOLVED')).toEqual(['Agent 1 (1)']);
    expect(resolved[0]!.bodies!.email).toContain('K7M2QX#2');
    expect((await h.store.episodes.openEpisodes()).map((e) => e.episodeId)).not.toContain('K7M2QX');
  });
});

describe('partial Huawei answers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness({ config: () => ({ agentRules: [BREAK_RULE] }) });
  });
  afterAll(() => h.stop());

  it('an agent left out of the answer is neither offline nor resolved, until three answers in a row leave it out', async () => {
    h.sim.setState('huawei', '1001', h.clock.now() - 20 * MIN, 'break');
    await h.run();
    expect(heading(h.take(), TOPICS.supervisors, 'FIRING')).toContain('1001');

    h.sim.addFault({ path: HUAWEI_STATUS_PATH, kind: 'omitIds', ids: [1001] });
    for (let i = 1; i <= 2; i++) {
      h.clock.advance(MIN);
      const report = await h.run();
      expect(report.sources.find((s) => s.source === 'hw-main')?.status).toBe('ok');
      expect(h.take()).toEqual([]);
      expect((await h.snapshot('hw-main')).find((a) => a.agentId === '1001')).toMatchObject({ state: 'break', missed: i });
    }
    h.clock.advance(MIN);
    await h.run();
    expect(heading(h.take(), TOPICS.supervisors, 'RESOLVED')).toEqual(['1001']);
    expect(h.log.lines.some((l) => l.includes('taken as removed') && l.includes('1001'))).toBe(true);
    h.sim.clearFaults();
  });
});

describe('the run deadline', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness({ config: () => ({ agentRules: [BREAK_RULE] }) });
  });
  afterAll(() => h.stop());
  afterEach(() => h.sim.clearFaults());

  it('a vendor that never answers fails its own source at the read deadline; the others are published in time', async () => {
    h.sim.setState('huawei', '1002', h.clock.now() - 20 * MIN, 'break');
    h.sim.addFault({ path: /\/saas\/cc\/openapi\//, kind: 'timeout' });
    const started = Date.now();
    const budget = budgetFor(started, 6_000);
    const report = await runAgentStatus(
      h.config,
      new Date(h.clock.now()).toISOString(),
      h.clock.now(),
      {
        store: h.store,
        publisher: h.publisher,
        readers: h.readers,
        log: h.log,
      },
      budget,
    );
    const nx = report.sources.find((s) => s.source === 'nx-main')!;
    expect(nx.status).toBe('failed');
    expect(nx.errorKind).toBe('deadline');
    // Huawei reports time in state itself, so its agent fires on this first read
    expect(heading(h.take(), TOPICS.supervisors, 'FIRING')).toEqual(['1002']);
    expect(report.sources.filter((s) => s.source !== 'nx-main').map((s) => s.status)).toEqual(['ok', 'ok']);
    // reads end at their deadline; everything stored is published before the run's end
    expect(Date.now()).toBeLessThan(budget.endsAt + 1_000);
    expect(report.publishedAfterMs!).toBeLessThan(budget.endsAt - started);
  });
});

describe('DynamoDB failures count toward source down', () => {
  let h: Harness;
  let proxy: DynamoProxy;
  beforeAll(async () => {
    proxy = await new DynamoProxy(inject('ddbEndpoint')).start();
    h = await makeHarness({ ddbEndpoint: proxy.endpoint, config: () => ({ agentRules: [BREAK_RULE], sourceDownAfter: 2 }) });
  });
  afterAll(async () => {
    await h.stop();
    await proxy.stop();
  });

  it('a source whose state cannot be stored pages as down after K runs, and recovers once', async () => {
    await h.run();
    h.take();
    proxy.failWhen = (target, body) =>
      /PutItem|BatchWriteItem/.test(target) && body.includes(`STATE#${FN.agentStatus}`) && body.includes('itnio-main');
    for (let i = 0; i < 2; i++) {
      h.clock.advance(MIN);
      const report = await h.run();
      expect(report.sources.find((s) => s.source === 'itnio-main')).toMatchObject({ status: 'store-error', errorKind: 'store' });
    }
    const down = h.take();
    expect(down.map((m) => m.topicArn)).toContain(TOPICS.oncall);
    expect(down.find((m) => m.topicArn === TOPICS.oncall)!.bodies!.sms).toMatch(/itnio-main DOWN/);
    proxy.failWhen = undefined;
    h.clock.advance(MIN);
    await h.run();
    const up = h.take().filter((m) => m.topicArn === TOPICS.oncall);
    expect(up).toHaveLength(1);
    expect(up[0]!.bodies!.sms).toMatch(/^OK 1 resolved/);
  });
});
