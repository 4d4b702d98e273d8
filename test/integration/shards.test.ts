import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FN } from '#shared/contracts/names';
import { FUNCTIONS } from '#shared/run/functions';
import { runPublishStage, runSourceStage, type SourceResult } from '#shared/run/tick';
import { budgetFor } from '#shared/run/types';
import { inShard, stageUnits } from '#shared/run/units';
import type { SourceConfig } from '#shared/vendors/index';
import { NX_AGENT_STATUS_PATH } from '#shared/vendors/nxcloud';
import { type Harness, makeHarness, TOPICS, testSources } from '../support/harness';
import { population } from '../support/sim';

const MIN = 60_000;
const def = FUNCTIONS[FN.agentStatus];
const SHARDS = 3;

/** The state machine's tick: one stage per item (a source, or a shard of one), then publish. */
async function fanOutTick(h: Harness) {
  const now = h.clock.now();
  const deps = { store: h.store, publisher: h.publisher, readers: h.readers, log: h.log };
  const sources = def.sources(h.config);
  const opts = {
    fn: def.fn,
    sources,
    config: h.config,
    tick: new Date(now).toISOString(),
    now,
    deps,
    budget: budgetFor(Date.now(), 20_000),
  };
  const results: SourceResult[] = [];
  for (const u of stageUnits(sources))
    results.push(await runSourceStage(opts, u.source, def.pass(u.source, h.config, now, deps, u.shard), u.shard));
  const published = await runPublishStage({ fn: def.fn, config: h.config, now, deps, sources, results });
  return { results, published };
}

describe('a large NXCloud tenant split into shards', () => {
  let h: Harness;
  const nxIds = Array.from({ length: 30 }, (_, i) => `nx${i + 1}`);
  beforeAll(async () => {
    h = await makeHarness({
      population: (t0) => population(t0, { nxcloud: nxIds.length }),
      config: (url) => ({
        sources: testSources(url).map((s) => (s.vendor === 'nxcloud' ? { ...s, shards: SHARDS } : s)),
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }],
      }),
    });
  });
  afterAll(() => h.stop());

  it('reads every agent once, each shard storing only its own agents', async () => {
    h.sim.log.length = 0;
    const { results } = await fanOutTick(h);
    expect(results.map((r) => r.source)).toEqual(['itnio-main', 'hw-main', 'nx-main:1/3', 'nx-main:2/3', 'nx-main:3/3']);
    expect(results.every((r) => r.outcome.status === 'ok')).toBe(true);
    const asked = h.sim.log.filter((l) => l.path === NX_AGENT_STATUS_PATH).map((l) => l.body.userName as string);
    expect(asked.sort()).toEqual([...nxIds].sort());
    const stored = await Promise.all([1, 2, 3].map((i) => h.snapshot(`nx-main:${i}/3`)));
    // disjoint and complete, and no shard is empty with 30 agents
    expect(
      stored
        .flat()
        .map((a) => a.agentId)
        .sort(),
    ).toEqual([...nxIds].sort());
    for (const [i, shard] of stored.entries()) {
      expect(shard.length).toBeGreaterThan(0);
      for (const a of shard) expect(inShard(a.agentId, { index: i, count: SHARDS })).toBe(true);
    }
  });

  it('alerts name the source, not the shard, so channel and rule scopes by source still apply', async () => {
    h.take();
    // NXCloud tells only how a recent window was spent: time in state counts from the first read
    h.sim.setState('nxcloud', 'nx7', h.clock.now() - 30_000, 'break');
    for (let k = 0; k <= 16; k++) {
      await fanOutTick(h);
      h.clock.advance(MIN);
    }
    const mail = h.take().find((m) => m.topicArn === TOPICS.supervisors);
    expect(mail?.bodies?.email).toMatch(/nx7/);
    expect(mail?.bodies?.email).toMatch(/nx-main/);
    expect(mail?.bodies?.email).not.toMatch(/nx-main:\d/);
  });

  it('a failing shard fails alone: its agents keep their state, the other shards carry on', async () => {
    const broken = { index: 1, count: SHARDS };
    const before = await h.snapshot('nx-main:2/3');
    h.sim.addFault({ path: NX_AGENT_STATUS_PATH, kind: 'http', status: 500, match: (b) => inShard(b.userName, broken) });
    const down = nxIds.find((id) => !inShard(id, broken) && id !== 'nx7')!;
    h.sim.setState('nxcloud', down, h.clock.now() - 30_000, 'break');
    try {
      for (let k = 0; k <= 16; k++) {
        h.clock.advance(MIN);
        const { results } = await fanOutTick(h);
        const byKey = Object.fromEntries(results.map((r) => [r.source, r.outcome.status]));
        expect(byKey).toMatchObject({ 'nx-main:1/3': 'ok', 'nx-main:2/3': 'failed', 'nx-main:3/3': 'ok' });
      }
    } finally {
      h.sim.clearFaults();
    }
    const sent = h.take();
    // the healthy shards' alert went out; after three failed runs the broken shard is down, by name
    expect(sent.some((m) => m.bodies?.email?.includes(down))).toBe(true);
    const page = sent.find((m) => m.topicArn === TOPICS.oncall)?.bodies?.sms;
    expect(page).toMatch(/nx-main:2\/3 DOWN/);
    expect((await h.snapshot('nx-main:2/3')).map((a) => a.agentId)).toEqual(before.map((a) => a.agentId));
  });

  it("re-sharded while a shard is down: the old shard's down alert is closed, saying why, once nothing reads it", async () => {
    const down = await h.store.health.load(def.fn, 'nx-main:2/3');
    expect(down?.episodeId).toBeDefined();
    h.config = { ...h.config, sources: h.config.sources.map((s) => (s.vendor === 'nxcloud' ? ({ ...s, shards: 2 } as SourceConfig) : s)) };
    const mails: string[] = [];
    for (let k = 0; k < 5; k++) {
      h.clock.advance(MIN);
      await fanOutTick(h);
      mails.push(...h.take().flatMap((m) => (m.topicArn === TOPICS.supervisors ? [m.bodies!.email!] : [])));
    }
    const closed = mails.filter((m) => m.includes(down!.episodeId!));
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatch(
      /nx-main:2\/3 \(agent-status\)\n {2}Closed after \d+m: nx-main:2\/3 is no longer a shard of its own: the source is read in 2 shards now/,
    );
    expect(await h.store.episodes.getEpisode('nx-main', down!.episodeId!)).toMatchObject({ resolvedAt: expect.any(Number) });
    expect(await h.store.health.load(def.fn, 'nx-main:2/3')).toMatchObject({ consecutiveFailures: 0, outbox: [] });
    // the agents' state went to the new shards as before (run/reshard.ts): nobody was closed
    expect(mails.filter((m) => m.includes('RESOLVED') && !m.includes(down!.episodeId!))).toEqual([]);
  });
});

describe("changing a tenant's shard count", () => {
  let h: Harness;
  const nxIds = Array.from({ length: 30 }, (_, i) => `nx${i + 1}`);
  const withShards = (n: number) => ({
    ...h.config,
    sources: h.config.sources.map((s) => (s.vendor === 'nxcloud' ? ({ ...s, shards: n } as SourceConfig) : s)),
  });
  const heading = (msgs: ReturnType<Harness['take']>, word: string) =>
    msgs.filter((m) => m.topicArn === TOPICS.supervisors && m.bodies?.email?.includes(word) && m.bodies.email.includes('nx7'));
  beforeAll(async () => {
    h = await makeHarness({
      population: (t0) => population(t0, { nxcloud: nxIds.length }),
      config: (url) => ({
        sources: testSources(url).map((s) => (s.vendor === 'nxcloud' ? { ...s, shards: 2 } : s)),
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }],
      }),
    });
  });
  afterAll(() => h.stop());

  it('carries time in state, open alerts and their episode ids over to the new shards: nothing fires again or is left open', async () => {
    h.sim.setState('nxcloud', 'nx7', h.clock.now() - 30_000, 'break');
    for (let k = 0; k <= 16; k++) {
      await fanOutTick(h);
      h.clock.advance(MIN);
    }
    expect(heading(h.take(), 'FIRING')).toHaveLength(1);
    const before = (await Promise.all([1, 2].map((i) => h.snapshot(`nx-main:${i}/2`)))).flat();
    const nx7 = before.find((a) => a.agentId === 'nx7')!;
    expect(nx7.episodeId).toBeDefined();

    h.config = withShards(3);
    const { results } = await fanOutTick(h);
    expect(results.filter((r) => r.source.startsWith('nx-main')).map((r) => r.outcome.status)).toEqual(['ok', 'ok', 'ok']);
    const after = (await Promise.all([1, 2, 3].map((i) => h.snapshot(`nx-main:${i}/3`)))).flat();
    expect(after.map((a) => a.agentId).sort()).toEqual([...nxIds].sort());
    const moved = after.find((a) => a.agentId === 'nx7')!;
    expect([moved.episodeId, moved.since, moved.run]).toEqual([nx7.episodeId, nx7.since, nx7.run]);
    expect(await h.store.states.loadLayout(FN.agentStatus, 'nx-main')).toBe(3);
    h.clock.advance(MIN);
    await fanOutTick(h);
    // still in break: the open alert stays open, and nothing fires as new
    expect(heading(h.take(), 'FIRING')).toEqual([]);

    h.sim.setState('nxcloud', 'nx7', h.clock.now() - 70_000, 'idle');
    h.clock.advance(MIN);
    await fanOutTick(h);
    expect(heading(h.take(), 'RESOLVED')).toHaveLength(1);
  });

  it('back to one worker: the whole tenant under the source id again, the count recorded', async () => {
    h.sim.setState('nxcloud', 'nx9', h.clock.now() - 30_000, 'break');
    for (let k = 0; k <= 16; k++) {
      await fanOutTick(h);
      h.clock.advance(MIN);
    }
    const fired = h.take().filter((m) => m.topicArn === TOPICS.supervisors && m.bodies?.email?.includes('nx9'));
    expect(fired).toHaveLength(1);
    h.config = withShards(1);
    const { results } = await fanOutTick(h);
    expect(results.map((r) => r.source)).toContain('nx-main');
    expect((await h.snapshot('nx-main')).map((a) => a.agentId).sort()).toEqual([...nxIds].sort());
    expect(await h.store.states.loadLayout(FN.agentStatus, 'nx-main')).toBe(1);
    h.clock.advance(MIN);
    await fanOutTick(h);
    expect(h.take().filter((m) => m.bodies?.email?.includes('nx9'))).toEqual([]);
  });

  it('back to a count used before: its old documents are stale, the state comes from the count in use', async () => {
    // under one worker: nx9 (which fired under 3 shards) resolves, nx11 goes on break and fires
    const says = (word: string, who: string) =>
      h.take().filter((m) => m.topicArn === TOPICS.supervisors && m.bodies?.email?.includes(word) && m.bodies.email.includes(`(${who})`));
    h.sim.setState('nxcloud', 'nx9', h.clock.now() - 70_000, 'idle');
    h.sim.setState('nxcloud', 'nx11', h.clock.now() - 30_000, 'break');
    let resolved9 = 0;
    let fired11 = 0;
    for (let k = 0; k <= 17; k++) {
      h.clock.advance(MIN);
      await fanOutTick(h);
      const sent = h.take().filter((m) => m.topicArn === TOPICS.supervisors);
      resolved9 += sent.filter((m) => /RESOLVED/.test(m.bodies?.email ?? '') && m.bodies!.email!.includes('(nx9)')).length;
      fired11 += sent.filter((m) => /FIRING/.test(m.bodies?.email ?? '') && m.bodies!.email!.includes('(nx11)')).length;
    }
    expect([resolved9, fired11]).toEqual([1, 1]);
    // back to 3: the 3-shard documents still there say nx9 is open and know nothing of nx11
    h.config = withShards(3);
    h.clock.advance(MIN);
    await fanOutTick(h);
    expect(says('RESOLVED', 'nx9')).toEqual([]);
    const now3 = (await Promise.all([1, 2, 3].map((i) => h.snapshot(`nx-main:${i}/3`)))).flat();
    expect(now3.find((a) => a.agentId === 'nx11')?.episodeId).toBeDefined();
    expect(now3.find((a) => a.agentId === 'nx9')?.episodeId).toBeUndefined();
    expect(await h.store.states.loadLayout(FN.agentStatus, 'nx-main')).toBe(3);
    h.clock.advance(MIN);
    await fanOutTick(h);
    expect(says('FIRING', 'nx11')).toEqual([]);
    h.sim.setState('nxcloud', 'nx11', h.clock.now() - 70_000, 'idle');
    h.clock.advance(MIN);
    await fanOutTick(h);
    expect(says('RESOLVED', 'nx11')).toHaveLength(1);
  });

  it('back to a count whose stale documents are still there, with a step owed: the agent, its alert and the step carry over, sent once', async () => {
    const firing13 = () =>
      h
        .take()
        .filter((m) => m.topicArn === TOPICS.supervisors && /FIRING/.test(m.bodies?.email ?? '') && m.bodies!.email!.includes('(nx13)'))
        .length;
    const shard = { index: [0, 1, 2].find((i) => inShard('nx13', { index: i, count: 3 }))!, count: 3 };
    h.sim.setState('nxcloud', 'nx13', h.clock.now() - 30_000, 'break');
    // it fires while SNS is down: the step stays owed in its shard's document
    h.sns.failTopic = () => true;
    for (let k = 0; k <= 16; k++) {
      h.clock.advance(MIN);
      await fanOutTick(h);
    }
    console.log(
      h.sns.published.length,
      JSON.stringify((await h.store.episodes.openEpisodes()).map((e) => [e.subjectId, e.episodeId])),
      JSON.stringify(
        await Promise.all(
          [1, 2, 3].map(async (i) =>
            (await h.store.states.loadAgents(FN.agentStatus, `nx-main:${i}/3`, Date.now())).outbox.map((o) => o.id),
          ),
        ),
      ),
    );
    expect(firing13()).toBe(0);
    // its shard then fails a read (its health item saved), still with nothing delivered
    h.sim.addFault({ path: NX_AGENT_STATUS_PATH, kind: 'http', status: 500, match: (b) => inShard(b.userName, shard) });
    h.clock.advance(MIN);
    await fanOutTick(h);
    h.sim.clearFaults();
    h.sns.failTopic = undefined;
    // the 2-shard documents of this suite's start are still there, stale: they must not be taken
    // for current, nor the old shard's own document delivered again
    h.config = withShards(2);
    let fired = 0;
    for (let k = 0; k < 5; k++) {
      h.clock.advance(MIN);
      const r = await fanOutTick(h);
      console.log(
        k,
        h.sns.published.length,
        JSON.stringify(r.results.map((x) => [x.source, x.outcome.status, x.outcome.error])),
        JSON.stringify(
          await Promise.all(
            [1, 2].map(async (i) =>
              (await h.store.states.loadAgents(FN.agentStatus, `nx-main:${i}/2`, Date.now())).outbox.map((o) => o.id),
            ),
          ),
        ),
      );
      if (k === 0)
        console.log(
          await h.store.states.loadLayout(FN.agentStatus, 'nx-main'),
          JSON.stringify((await Promise.all([1, 2].map((i) => h.snapshot(`nx-main:${i}/2`)))).flat().filter((a) => a.agentId === 'nx13')),
          JSON.stringify(
            await Promise.all(
              [1, 2].map(async (i) => {
                const d = await h.store.states.loadAgents(FN.agentStatus, `nx-main:${i}/2`, Date.now());
                return [d.version, d.layout, d.settled, d.lastOkAt, [...d.episodes.keys()]];
              }),
            ),
          ),
        );
      fired += firing13();
    }
    expect(fired).toBe(1);
  });
});
