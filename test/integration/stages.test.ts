import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FN } from '#shared/contracts/names';
import { FUNCTIONS } from '#shared/run/functions';
import { runPublishStage, runSourceStage, type SourceResult } from '#shared/run/tick';
import { budgetFor } from '#shared/run/types';
import { parseFunctionEvent } from '#shared/runtime/schedule-event';
import { type Harness, makeHarness, whoIn } from '../support/harness';

const MIN = 60_000;
const def = FUNCTIONS[FN.agentStatus];

/** What the state machine does: each source stage on its own, then the publish stage with their reports. */
async function fanOutTick(h: Harness, failing: string[] = []) {
  const now = h.clock.now();
  const tick = new Date(now).toISOString();
  const deps = { store: h.store, publisher: h.publisher, readers: h.readers, log: h.log };
  const sources = def.sources(h.config);
  const opts = { fn: def.fn, sources, config: h.config, tick, now, deps, budget: budgetFor(Date.now(), 20_000) };
  const results: (SourceResult | { source: string; failed: true })[] = [];
  for (const source of sources) {
    const result = await runSourceStage(opts, source, def.pass(source, h.config, now, deps));
    // a stage the engine caught failing after it stored (a Lambda timeout) reports only its failure
    results.push(failing.includes(source.id) ? { source: source.id, failed: true } : JSON.parse(JSON.stringify(result)));
  }
  const event = parseFunctionEvent({ stage: 'publish', tick, results });
  if (event.stage !== 'publish') throw new Error('not a publish event');
  const reported = event.results.filter((r) => 'complete' in r) as unknown as SourceResult[];
  // a stage's report stays small whatever it did: ids travel only for episode moves still pending
  for (const r of reported) expect(JSON.stringify(r).length).toBeLessThan(2_000);
  return runPublishStage({ fn: def.fn, config: h.config, now, deps, sources, results: reported });
}

const firing = (msgs: ReturnType<Harness['take']>) => whoIn(msgs);

describe('the tick as separate stages (one per source, then publish)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness({ config: () => ({ agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }] }) });
  });
  afterAll(() => h.stop());

  it('publishes one digest per channel for what every source stage stored', async () => {
    h.sim.setState('huawei', '1001', h.clock.now() - 20 * MIN, 'break');
    h.sim.setState('huawei', '1002', h.clock.now() - 20 * MIN, 'break');
    const published = await fanOutTick(h);
    expect(published.digests).toHaveLength(1);
    expect(firing(h.take())).toEqual(['1001', '1002']);
    // stored and delivered: nothing is owed any more
    expect((await h.store.states.loadOutbox(FN.agentStatus, 'hw-main', Date.now()))?.outbox).toEqual([]);
  });

  it('what a stage stored before the engine gave up on it is still published, once', async () => {
    h.sim.setState('itnio', '1', h.clock.now() - 20 * MIN, 'break');
    h.clock.advance(MIN);
    await fanOutTick(h);
    h.take();
    h.sim.setState('huawei', '1003', h.clock.now() - 20 * MIN, 'break');
    h.clock.advance(16 * MIN);
    // ITNIO's agent 1 crosses its threshold in this tick, but its stage is reported failed
    await fanOutTick(h, ['itnio-main']);
    expect(firing(h.take())).toEqual(['1003', 'Agent 1 (1)']);
    // its outbox entry waits only for the next stage to confirm the episode; nothing is sent twice
    h.clock.advance(MIN);
    await fanOutTick(h);
    expect(h.take()).toEqual([]);
    expect((await h.store.states.loadOutbox(FN.agentStatus, 'itnio-main', Date.now()))?.outbox).toEqual([]);
  });

  it('refuses a stage event that does not name what it needs', () => {
    expect(() => parseFunctionEvent({ stage: 'source', tick: '2026-11-25T10:00:00Z' })).toThrow(/invalid stage event: source: /);
    expect(() => parseFunctionEvent({ stage: 'publish', tick: 'soon', results: [] })).toThrow(/tick/);
    expect(parseFunctionEvent({ scheduledTime: '2026-11-25T10:00:00+08:00' })).toEqual({ stage: 'tick', tick: '2026-11-25T02:00:00.000Z' });
  });
});
