import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, makeHarness, whoIn } from '../support/harness';

const MIN = 60_000;
const HOUR = 60 * MIN;

const firing = (msgs: ReturnType<Harness['take']>) => whoIn(msgs);

describe('silences made at runtime', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness({
      config: () => ({
        agentRules: [
          { id: 'long-break', states: ['break'], after: '15m' },
          { id: 'long-call', states: ['busy'], after: '30m' },
        ],
      }),
    });
  });
  afterAll(() => h.stop());

  it('holds one agent quiet for its time while its state keeps being tracked; the others fire', async () => {
    const t = h.clock.now();
    const training = await h.store.silences.add(
      {
        scope: { sources: [], groups: [], agents: ['hw-main:1001'] },
        rules: [],
        startsAt: t,
        endsAt: t + 2 * HOUR,
        createdBy: 'ann',
        comment: 'training',
      },
      t,
    );
    h.sim.setState('huawei', '1001', t - 20 * MIN, 'break');
    h.sim.setState('huawei', '1002', t - 20 * MIN, 'break');
    await h.run();
    expect(firing(h.take())).toEqual(['1002']);
    const snap = (await h.snapshot('hw-main')).find((a) => a.agentId === '1001')!;
    expect(snap).toMatchObject({ state: 'break', run: { ruleId: 'long-break', since: t - 20 * MIN } });
    expect(snap.episodeId).toBeUndefined();
    expect((await h.store.silences.list({ now: t })).map((s) => s.id)).toEqual([training.id]);
  });

  it('once expired, a still-true alert fires on the next tick, and the history says who ended it', async () => {
    const [training] = await h.store.silences.list({ now: h.clock.now() });
    h.clock.advance(MIN);
    await h.store.silences.expire(training!.id, 'bob', h.clock.now());
    expect(await h.store.silences.list({ now: h.clock.now() })).toEqual([]);
    await h.run();
    expect(firing(h.take())).toEqual(['1001']);
    const history = await h.store.silences.history();
    expect(history.map((e) => [e.event, e.by])).toEqual([
      ['created', 'ann'],
      ['expired', 'bob'],
    ]);
    // expiring twice changes nothing
    const again = await h.store.silences.expire(training!.id, 'carol', h.clock.now());
    expect(again.expiredBy).toBe('bob');
    await expect(h.store.silences.expire('NOSUCH', 'x', h.clock.now())).rejects.toThrow(/no silence "NOSUCH"/);
  });

  it('a silence of one rule leaves the agent alerting on the others; a future silence waits for its start', async () => {
    const t = h.clock.now();
    await h.store.silences.add(
      {
        scope: { sources: ['hw-main'], groups: [], agents: [] },
        rules: ['long-call'],
        startsAt: t,
        endsAt: t + HOUR,
        createdBy: 'ann',
        comment: 'calls expected long today',
      },
      t,
    );
    await h.store.silences.add(
      {
        scope: { sources: [], groups: [], agents: ['hw-main:1005'] },
        rules: [],
        startsAt: t + 3 * HOUR,
        endsAt: t + 4 * HOUR,
        createdBy: 'ann',
        comment: 'later',
      },
      t,
    );
    h.sim.setState('huawei', '1003', t - 40 * MIN, 'busy');
    h.sim.setState('huawei', '1004', t - 20 * MIN, 'break');
    h.sim.setState('huawei', '1005', t - 20 * MIN, 'break');
    h.clock.advance(MIN);
    await h.run();
    expect(firing(h.take())).toEqual(['1004', '1005']);
  });

  it('refuses a silence that ends before it starts', async () => {
    const t = h.clock.now();
    await expect(
      h.store.silences.add(
        { scope: { sources: [], groups: [], agents: [] }, rules: [], startsAt: t, endsAt: t, createdBy: 'x', comment: '' },
        t,
      ),
    ).rejects.toThrow(/end after it starts/);
  });
});
