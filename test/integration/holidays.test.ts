import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailWho, type Harness, makeHarness, TOPICS, testSources } from '../support/harness';

const MIN = 60_000;

describe('a holiday of a source', () => {
  let h: Harness;
  // the harness clock starts on 2026-11-23 09:00 UTC
  const today = '2026-11-23';
  beforeAll(async () => {
    h = await makeHarness({
      config: (url) => ({
        sources: testSources(url).map((s) => (s.id === 'hw-main' ? { ...s, timezone: 'UTC', holidays: [today] } : s)),
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }],
      }),
    });
  });
  afterAll(() => h.stop());

  it("holds that source's agent alerts all day, tracking state; the next day the alert fires", async () => {
    const now = h.clock.now();
    expect(new Date(now).toISOString().slice(0, 10)).toBe(today);
    h.sim.setState('huawei', '1001', now - 20 * MIN, 'break');
    await h.run();
    const sent = h.take().filter((m) => m.topicArn === TOPICS.supervisors);
    expect(sent.flatMap((m) => emailWho(m.bodies!.email!, 'FIRING'))).toEqual([]);
    // the agent is still tracked through the holiday
    expect((await h.snapshot('hw-main')).find((a) => a.agentId === '1001')).toMatchObject({ state: 'break', since: now - 20 * MIN });
    // the next local day the agent is still on break, and the alert fires
    const midnight = Date.parse(`${today}T00:00:00Z`) + 24 * 60 * MIN;
    h.sim.setState('huawei', '1001', midnight - 30 * MIN, 'break');
    h.clock.set(midnight + MIN);
    await h.run();
    expect(h.take().flatMap((m) => (m.topicArn === TOPICS.supervisors ? emailWho(m.bodies!.email!, 'FIRING') : []))).toEqual(['1001']);
  });
});
