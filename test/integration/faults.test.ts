import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { SnsPublisher } from '#shared/notify/publishers';
import { runPreviewTasks } from '#shared/run/preview-tasks';
import { dialerTask } from '#simulator/population';
import type { Fault, FaultKind } from '#simulator/server';
import { DynamoProxy } from '../support/ddb-proxy';
import { type Harness, makeHarness, TOPICS, whoIn } from '../support/harness';
import { population, TEST_CREDS } from '../support/sim';

const MIN = 60_000;
const BREAK_RULE = { id: 'long-break', states: ['break'], after: '15m' };
const SEAT = '/v3/cc/seat/query';

const names = (msgs: ReturnType<Harness['take']>, heading: string) => whoIn(msgs, heading);

describe('vendor faults: the source fails cleanly, state is kept, the others proceed', () => {
  let h: Harness;
  let minute = 0;
  beforeAll(async () => {
    h = await makeHarness({ config: () => ({ agentRules: [BREAK_RULE], sourceDownAfter: 50 }) });
    // ITNIO agent 1 has an open alert; it comes back at minute 20, while the faults run
    h.sim.setState('itnio', '1', h.clock.start, 'break');
    h.sim.setState('huawei', '1001', h.clock.start + 19 * MIN, 'break');
    h.clock.set(h.clock.start);
    await h.run();
    h.clock.set(h.clock.start + 16 * MIN);
    await h.run();
    expect(names(h.take(), 'FIRING')).toEqual(['Agent 1 (1)']);
    h.sim.setState('itnio', '1', h.clock.start + 20 * MIN, 'idle');
    minute = 20;
  });
  afterEach(() => h.sim.clearFaults());
  afterAll(() => h.stop());

  const cases: [string, FaultKind & Pick<Fault, 'match'>, RegExp][] = [
    ['HTTP 5xx', { kind: 'http', status: 502 }, /transient error: HTTP 502/],
    ['timeouts', { kind: 'timeout' }, /transient error: request failed: timed out/],
    ['connection resets', { kind: 'reset' }, /transient error: request failed/],
    ['malformed JSON', { kind: 'malformed' }, /schema error.*not valid JSON/],
    [
      'schema drift',
      { kind: 'mutate', fn: (j: any) => (j.data.records[0].status = 'BUSY') },
      /schema error: seat\/query page 1 data: records\[0\]\.status/,
    ],
    ['a missing middle page', { kind: 'mutate', match: (b) => b.current === 1, fn: (j: any) => (j.data.total = 150) }, /incomplete error/],
    [
      'an empty roster answered as success',
      { kind: 'mutate', fn: (j: any) => Object.assign(j.data, { records: [], total: 0, pages: 0 }) },
      /incomplete error: the vendor answered with no agents at all, where the last complete read had \d+/,
    ],
    ['auth failure', { kind: 'vendorCode', code: -1 }, /auth error \(vendor code -1\)/],
    ['clock skew', { kind: 'vendorCode', code: -16 }, /clock error \(vendor code -16\)/],
  ];

  it.each(cases)(
    '%s',
    async (_name, fault, message) => {
      const before = await h.snapshot('itnio-main');
      h.sim.addFault({ path: SEAT, ...fault } as Fault);
      minute += 1;
      h.clock.set(h.clock.start + minute * MIN);
      const report = await h.run();
      const itnio = report.sources.find((s) => s.source === 'itnio-main')!;
      expect(itnio.status).toBe('failed');
      expect(itnio.error).toMatch(message);
      expect(report.sources.filter((s) => s.source !== 'itnio-main').map((s) => s.status)).toEqual(['ok', 'ok']);
      // no false resolve of agent 1 and nothing else from ITNIO; stored state untouched
      expect(names(h.take(), 'RESOLVED')).toEqual([]);
      expect(await h.snapshot('itnio-main')).toEqual(before);
    },
    20_000,
  );

  it('after the faults, the next complete answer resolves exactly once', async () => {
    // the next complete answer: on a loaded machine a read can still time out (1 s in tests), and
    // a failed read must resolve nothing
    for (let tries = 0; tries < 3; tries++) {
      minute += 1;
      h.clock.set(h.clock.start + minute * MIN);
      const report = await h.run();
      if (report.sources.find((s) => s.source === 'itnio-main')?.status === 'ok') break;
      expect(names(h.take(), 'RESOLVED')).toEqual([]);
    }
    expect(names(h.take(), 'RESOLVED')).toEqual(['Agent 1 (1)']);
    h.clock.set(h.clock.start + (minute + 1) * MIN);
    await h.run();
    expect(names(h.take(), 'RESOLVED')).toEqual([]);
  });
});

describe('DynamoDB errors mid-run', () => {
  let h: Harness;
  let proxy: DynamoProxy;
  beforeAll(async () => {
    proxy = await new DynamoProxy(inject('ddbEndpoint')).start();
    h = await makeHarness({
      ddbEndpoint: proxy.endpoint,
      config: (url) => ({
        agentRules: [BREAK_RULE],
        sources: [
          {
            id: 'hw-main',
            vendor: 'huawei',
            baseUrl: url,
            secretId: 'test/huawei',
            ccId: 1,
            vdn: 170,
            agentIds: ['1001-1005'],
            http: { retries: 0 },
          },
        ],
      }),
    });
  });
  afterAll(async () => {
    await h.stop();
    await proxy.stop();
  });

  it('publishes nothing when the state cannot be stored, and the next run catches up once', async () => {
    h.sim.setState('huawei', '1001', h.clock.start - 20 * MIN, 'break');
    // the source's state document (snapshot and outbox) cannot be written
    proxy.failWhen = (target, body) => /PutItem|BatchWriteItem/.test(target) && body.includes('STATE#');
    const failed = await h.run();
    expect(failed.sources[0]!.status).toBe('store-error');
    expect(proxy.failed).toBeGreaterThan(0);
    expect(h.take()).toEqual([]);

    proxy.failWhen = undefined;
    h.clock.advance(MIN);
    await h.run();
    expect(names(h.take(), 'FIRING')).toEqual(['1001']);
    h.clock.advance(MIN);
    await h.run();
    expect(h.take()).toEqual([]);
  });

  it('an alert whose episode cannot be written still pages, once, and its episode catches up next run', async () => {
    h.sim.setState('huawei', '1003', h.clock.now() - 20 * MIN, 'break');
    proxy.failed = 0;
    proxy.failWhen = (target, body) => target.endsWith('UpdateItem') && body.includes('"EPISODE"');
    h.clock.advance(MIN);
    const report = await h.run();
    expect(report.sources[0]!.status).toBe('ok');
    expect(proxy.failed).toBeGreaterThan(0);
    expect(names(h.take(), 'FIRING')).toEqual(['1003']);
    expect((await h.store.episodes.openEpisodes()).map((e) => e.subjectId)).not.toContain('1003');

    proxy.failWhen = undefined;
    h.clock.advance(MIN);
    await h.run();
    expect(h.take()).toEqual([]);
    expect((await h.store.episodes.openEpisodes()).map((e) => e.subjectId)).toContain('1003');
  });

  it('a run that cannot reach DynamoDB at all changes nothing and sends nothing', async () => {
    h.sim.setState('huawei', '1002', h.clock.now() - 20 * MIN, 'break');
    proxy.failWhen = () => true;
    h.clock.advance(MIN);
    const report = await h.run();
    expect(report.sources[0]!.status).toBe('store-error');
    proxy.failWhen = undefined;
    expect(h.take()).toEqual([]);
    h.clock.advance(MIN);
    await h.run();
    expect(names(h.take(), 'FIRING')).toEqual(['1002']);
  });
});

describe('SNS publish failure', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness({
      config: (url) => ({
        agentRules: [BREAK_RULE],
        sources: [{ id: 'hw-main', vendor: 'huawei', baseUrl: url, secretId: 'test/huawei', ccId: 1, vdn: 170, agentIds: ['1001-1005'] }],
      }),
    });
  });
  afterAll(() => h.stop());

  it('the alert is sent on the next run, once', async () => {
    h.sim.setState('huawei', '1003', h.clock.start - 20 * MIN, 'break');
    h.sns.failNext(1);
    const report = await h.run();
    expect(report.failedChannels).toEqual(['supervisors']);
    expect(h.take()).toEqual([]);
    expect(h.log.lines.some((l) => l.startsWith('error publish failed'))).toBe(true);
    h.clock.advance(MIN);
    await h.run();
    expect(names(h.take(), 'FIRING')).toEqual(['1003']);
    h.clock.advance(MIN);
    await h.run();
    expect(h.take()).toEqual([]);
  });
});

describe('one channel failing of two', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness({
      config: (url) => ({
        agentRules: [{ ...BREAK_RULE, severity: 'critical' }],
        sources: [{ id: 'hw-main', vendor: 'huawei', baseUrl: url, secretId: 'test/huawei', ccId: 1, vdn: 170, agentIds: ['1001-1005'] }],
      }),
    });
  });
  afterAll(() => h.stop());

  it('the failed channel gets the alert next run, marked delayed; the other is not sent it twice', async () => {
    h.sim.setState('huawei', '1004', h.clock.start - 20 * MIN, 'break');
    h.sns.failTopic = (arn) => arn === TOPICS.oncall;
    const first = await h.run();
    expect(first.failedChannels).toEqual(['oncall']);
    expect(h.take().map((m) => m.topicArn)).toEqual([TOPICS.supervisors]);
    // on-call is still down on the next run: still nothing twice for supervisors
    h.clock.advance(MIN);
    await h.run();
    expect(h.take()).toEqual([]);
    h.sns.failTopic = undefined;
    h.clock.advance(MIN);
    await h.run();
    const msgs = h.take();
    expect(msgs.map((m) => m.topicArn)).toEqual([TOPICS.oncall]);
    expect(msgs[0]!.bodies!.sms).toMatch(/^CRIT 1 open: 1004 break 2\dm/);
    expect(msgs[0]!.bodies!.email).toMatch(/Delayed: \w{6} firing was due/);
    h.clock.advance(MIN);
    await h.run();
    expect(h.take()).toEqual([]);
  });
});

describe('logs', () => {
  it('never contain vendor secrets, agent passwords or unmasked phone numbers', async () => {
    const h = await makeHarness({
      population: (t0) => {
        const pop = population(t0);
        pop.itnio!.tasks = [dialerTask({ taskId: 7, name: 'T', t0: t0 - 30 * MIN, contacts: 80, dialEverySec: 20, abnormal: () => true })];
        return pop;
      },
      config: () => ({
        agentRules: [BREAK_RULE],
        taskRules: [{ id: 't', source: 'itnio-main', taskIds: [7, 8], abnormalCount: 5 }],
        sourceDownAfter: 1,
      }),
    });
    try {
      const sns = new SNSClient({ endpoint: h.sns.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
      const deps = { store: h.store, publisher: new SnsPublisher(sns, TOPICS), readers: h.readers, log: h.log };
      h.sim.setState('itnio', '2', h.clock.start - 30 * MIN, 'break');
      for (let m = 0; m < 4; m++) {
        // every failure path once: auth, malformed, wrong types
        if (m === 1) h.sim.addFault({ path: SEAT, kind: 'vendorCode', code: -1 });
        if (m === 2) h.sim.addFault({ path: /queryTaskDetail/, kind: 'wrongType' });
        if (m === 3) h.sim.addFault({ path: /agentstatusinfobyagentids/, kind: 'malformed' });
        await h.run();
        await runPreviewTasks(h.config, new Date(h.clock.now()).toISOString(), h.clock.now(), deps);
        h.clock.advance(MIN);
      }
      sns.destroy();
      const logs = h.log.lines.join('\n');
      expect(logs.length).toBeGreaterThan(100);
      for (const secret of [TEST_CREDS.itnio.apiSecret, TEST_CREDS.huawei.sk, TEST_CREDS.nxcloud.accessSecret])
        expect(logs).not.toContain(secret);
      expect(logs).not.toContain('452061e7b50b70001c1e2168632ea56d');
      expect(logs).not.toMatch(/\d{7,}/);
      const messages = h.sns.published.map((m) => m.message).join('\n');
      expect(messages).not.toMatch(/86138\d{8}/);
    } finally {
      await h.stop();
    }
  });
});
