import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smsLength } from '#shared/notify/sms-length';
import { type Harness, makeHarness, TOPICS, whoIn } from '../support/harness';

const MIN = 60_000;
const BREAK_RULE = { id: 'long-break', states: ['break'], after: '15m', repeatEvery: '30m', escalateAfter: '60m' };

/** Agent names (from each email table) per status heading, across the messages of one tick. */
function who(messages: ReturnType<Harness['take']>, topic: string, heading: string): string[] {
  return whoIn(messages, heading, topic);
}

describe('a break timeline across all three vendors', () => {
  let h: Harness;
  const ticks = new Map<number, ReturnType<Harness['take']>>();
  let T: number;

  beforeAll(async () => {
    h = await makeHarness({ config: () => ({ agentRules: [BREAK_RULE] }) });
    T = h.clock.start + MIN;
    h.sim.setState('itnio', '3', T, 'break');
    h.sim.setState('huawei', '1003', T, 'break', { reason: 3 });
    h.sim.setState('nxcloud', 'nx3', T, 'break');
    h.sim.setState('itnio', '3', T + 65 * MIN, 'idle');
    h.sim.setState('huawei', '1003', T + 65 * MIN, 'idle');
    h.sim.setState('nxcloud', 'nx3', T + 65 * MIN, 'idle');
    for (let k = 0; k <= 67; k++) {
      h.clock.set(T + k * MIN);
      const report = await h.run();
      expect(report.sources.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
      ticks.set(k, h.take());
    }
  }, 120_000);
  afterAll(() => h.stop());

  const firing = ['Agent 3 (3)', 'Agent 3 (nx3)', '1003'].sort();

  it('says nothing before 15 minutes', () => {
    for (let k = 0; k < 15; k++) expect(ticks.get(k), `minute ${k}`).toEqual([]);
  });

  it('alerts once at 15 minutes, as one digest to the channel for warnings', () => {
    const msgs = ticks.get(15)!;
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.topicArn).toBe(TOPICS.supervisors);
    expect(who(msgs, TOPICS.supervisors, 'FIRING')).toEqual(firing);
    expect(msgs[0]!.subject).toMatch(/^\[ccwatch supervisors\] WARNING: 3 firing/);
    // the reason in words; its code only where a rule targets reasons
    expect(msgs[0]!.bodies!.email).toContain('On break: Meal for 15m');
    expect(msgs[0]!.bodies!.email).not.toContain('Meal (3)');
    expect(msgs[0]!.attributes['AWS.SNS.SMS.SMSType']).toBe('Transactional');
  });

  it('stays quiet between notifications', () => {
    for (const k of [16, 20, 30, 44, 46, 59, 61, 64]) expect(ticks.get(k), `minute ${k}`).toEqual([]);
  });

  it('repeats at 45 minutes', () => {
    expect(who(ticks.get(45)!, TOPICS.supervisors, 'STILL FIRING')).toEqual(firing);
    expect(ticks.get(45)!.some((m) => m.topicArn === TOPICS.oncall)).toBe(false);
  });

  it('escalates at 60 minutes to on-call as well, with an SMS that fits one segment', () => {
    const msgs = ticks.get(60)!;
    expect(who(msgs, TOPICS.supervisors, 'ESCALATED')).toEqual(firing);
    const sms = msgs.find((m) => m.topicArn === TOPICS.oncall)!.bodies!.sms!;
    expect(sms).toMatch(/^CRIT 3 open: /);
    expect(smsLength(`ccwatch> ${sms}`).units).toBeLessThanOrEqual(160);
  });

  it('resolves when the agents come back, once', () => {
    const resolvedAt = [65, 66].find((k) => ticks.get(k)!.length > 0)!;
    const msgs = ticks.get(resolvedAt)!;
    expect(who(msgs, TOPICS.supervisors, 'RESOLVED').length).toBeGreaterThan(0);
    const all = [65, 66, 67].flatMap((k) => who(ticks.get(k)!, TOPICS.supervisors, 'RESOLVED'));
    expect(all.sort()).toEqual(firing);
    expect(msgs.some((m) => m.topicArn === TOPICS.oncall && m.bodies!.sms!.startsWith('OK'))).toBe(true);
  });
});

describe('failures and duplicates', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness({ config: () => ({ agentRules: [BREAK_RULE], sourceDownAfter: 3 }) });
  });
  afterAll(() => h.stop());

  const runAt = async (min: number, tick?: string) => {
    h.clock.set(h.clock.start + min * MIN);
    return h.run(tick ? { tick } : {});
  };

  it('a source failing mid-way changes nothing for it, and the others still alert', async () => {
    h.sim.setState('itnio', '1', h.clock.start, 'break');
    h.sim.setState('huawei', '1001', h.clock.start, 'break');
    await runAt(0);
    await runAt(16);
    expect(h.take()).toHaveLength(1);
    const before = await h.snapshot('itnio-main');

    // both agents come back, but ITNIO's page 1 now fails every retry
    h.sim.setState('itnio', '1', h.clock.start + 17 * MIN, 'idle');
    h.sim.setState('huawei', '1001', h.clock.start + 17 * MIN, 'idle');
    h.sim.addFault({ path: '/v3/cc/seat/query', kind: 'http', status: 503 });
    const report = await runAt(18);
    expect(report.sources.find((s) => s.source === 'itnio-main')).toMatchObject({ status: 'failed', errorKind: 'transient' });
    expect(await h.snapshot('itnio-main')).toEqual(before);
    const msgs = h.take();
    expect(who(msgs, TOPICS.supervisors, 'RESOLVED')).toEqual(['1001']);

    h.sim.clearFaults();
    await runAt(19);
    expect(who(h.take(), TOPICS.supervisors, 'RESOLVED')).toEqual(['Agent 1 (1)']);
  });

  it('the same scheduled event delivered twice publishes once', async () => {
    h.sim.setState('itnio', '2', h.clock.start + 20 * MIN, 'break');
    await runAt(20);
    const tick = new Date(h.clock.start + 36 * MIN).toISOString();
    const first = await runAt(36, tick);
    const second = await runAt(36.5, tick);
    expect(first.sources.every((s) => s.status === 'ok')).toBe(true);
    // the repeat finds its steps already stored: nothing new to say
    expect(second.digests).toEqual([]);
    const msgs = h.take();
    expect(msgs).toHaveLength(1);
    expect(who(msgs, TOPICS.supervisors, 'FIRING')).toEqual(['Agent 2 (2)']);
  });

  it('two overlapping runs publish once', async () => {
    h.sim.setState('huawei', '1002', h.clock.start + 40 * MIN, 'break');
    await runAt(40);
    h.clock.set(h.clock.start + 56 * MIN);
    const [a, b] = await Promise.all([h.run({ tick: 'tick-a' }), h.run({ tick: 'tick-b' })]);
    const published = [...a.digests, ...b.digests].flatMap((d) => d.notices.map((n) => n.subjectId));
    expect(published).toEqual(['1002']);
    expect(h.take()).toHaveLength(1);
  });

  it('after K failed runs a source-down alert pages once, and resolves on recovery', async () => {
    h.sim.addFault({ path: '/saas/cc/openapi/agent/page', kind: 'vendorCode', code: 1003 });
    await runAt(60);
    await runAt(61);
    expect(h.take()).toEqual([]);
    await runAt(62);
    const down = h.take();
    expect(down.map((m) => m.topicArn).sort()).toEqual([TOPICS.oncall, TOPICS.supervisors].sort());
    expect(down.find((m) => m.topicArn === TOPICS.oncall)!.bodies!.sms).toMatch(/nx-main DOWN/);
    expect(down.find((m) => m.topicArn === TOPICS.supervisors)!.bodies!.email).toMatch(/auth error \(vendor code 1003\)/);
    await runAt(63);
    expect(h.take()).toEqual([]);
    h.sim.clearFaults();
    await runAt(64);
    expect(h.take().find((m) => m.topicArn === TOPICS.oncall)!.bodies!.sms).toMatch(/^OK 1 resolved/);
  });

  it('bad vendor data gives a named error and leaves stored state as it was', async () => {
    const before = await h.snapshot('hw-main');
    h.sim.addFault({ path: '/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids', kind: 'wrongType' });
    const report = await runAt(70);
    h.sim.clearFaults();
    expect(report.sources.find((s) => s.source === 'hw-main')!.error).toMatch(/schema error.*resultDesc\[0\]\.currentState/);
    expect(await h.snapshot('hw-main')).toEqual(before);
  });
});

describe('business hours and silences', () => {
  let h: Harness;
  afterAll(() => h.stop());

  it('no agent alert outside business hours; it fires when the window opens if the agent is still out', async () => {
    // the test clock starts 2026-11-23 09:00 UTC (a Monday) = 17:00 in Shanghai
    h = await makeHarness({
      config: (url) => ({
        agentRules: [{ ...BREAK_RULE, repeatEvery: undefined, escalateAfter: undefined }],
        sources: [
          {
            id: 'itnio-main',
            vendor: 'itnio',
            baseUrl: url,
            secretId: 'test/itnio',
            timezone: 'Asia/Shanghai',
            businessHours: [{ days: ['mon'], from: '17:30', to: '18:00' }],
          },
        ],
        silences: [{ scope: { agents: ['itnio-main:4'] }, until: '2026-11-23T09:45:00Z' }],
      }),
    });
    h.sim.setState('itnio', '1', h.clock.start, 'break');
    h.sim.setState('itnio', '4', h.clock.start, 'break');
    for (const min of [0, 16, 29]) {
      h.clock.set(h.clock.start + min * MIN);
      await h.run();
    }
    expect(h.take()).toEqual([]);
    h.clock.set(h.clock.start + 30 * MIN);
    await h.run();
    // agent 1 fires at 17:30; agent 4 stays silenced until 09:45 UTC
    expect(who(h.take(), TOPICS.supervisors, 'FIRING')).toEqual(['Agent 1 (1)']);
    h.clock.set(h.clock.start + 46 * MIN);
    await h.run();
    expect(who(h.take(), TOPICS.supervisors, 'FIRING')).toEqual(['Agent 4 (4)']);
  });

  it('run only in business hours, the closed night counts toward no rule: the break seen before closing goes on after opening', async () => {
    await h.stop();
    h = await makeHarness({
      config: (url) => ({
        schedule: { businessHoursOnly: true },
        agentRules: [{ ...BREAK_RULE, repeatEvery: undefined }],
        sources: [{ id: 'itnio-main', vendor: 'itnio', baseUrl: url, secretId: 'test/itnio' }],
      }),
    });
    // in break at the last ticks of the day, and (unseen, no tick runs) again at the first of the next
    h.sim.setState('itnio', '1', h.clock.start, 'break');
    for (const min of [0, 1, 2]) {
      h.clock.set(h.clock.start + min * MIN);
      await h.run();
    }
    const opening = h.clock.start + 14 * 60 * MIN;
    let fired: { minute: number; email: string } | undefined;
    for (let k = 0; k <= 15 && !fired; k++) {
      h.clock.set(opening + k * MIN);
      await h.run();
      const sent = h.take();
      expect(
        sent.some((m) => m.topicArn === TOPICS.oncall),
        `minute ${k}: nothing escalated`,
      ).toBe(false);
      const mail = sent.find((m) => m.topicArn === TOPICS.supervisors)?.bodies?.email;
      if (mail) fired = { minute: k, email: mail };
    }
    // 15 minutes of break seen: the few before closing and the rest after opening, not the night
    expect(fired?.minute).toBeGreaterThanOrEqual(11);
    expect(fired?.minute).toBeLessThanOrEqual(13);
    expect(fired?.email).toMatch(/Agent 1 \(1\)/);
    expect(fired?.email).toMatch(/On break for 15m/);
  });
});
