import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FN } from '#shared/contracts/names';
import type { AgentSnapshot } from '#shared/model/items';
import type { RunReport } from '#shared/run/agent-status';
import { runAgentStatus } from '#shared/run/agent-status';
import { ReaderPool } from '#shared/vendors/readers';
import { type Harness, makeHarness, SECRETS, TOPICS } from '../support/harness';

const MIN = 60_000;
const BREAK_RULE = { id: 'long-break', states: ['break'], after: '15m', repeatEvery: '5m' };

/**
 * Right after deploy every source secret holds placeholders (cdk/stack.ts: the first field random,
 * the others REPLACE_ME) while the schedules already run. Such a source is "not configured": never a
 * failed run, never a page, its state untouched; a source that really fails still pages.
 */
describe('a source whose secret still holds the placeholders', () => {
  let h: Harness;
  const secrets: Record<string, unknown> = { ...SECRETS };
  let readers: ReaderPool;
  const run = (): Promise<RunReport> =>
    runAgentStatus(h.config, new Date(h.clock.now()).toISOString(), h.clock.now(), {
      store: h.store,
      publisher: h.publisher,
      readers,
      log: h.log,
    });
  let before: AgentSnapshot[];
  const reports: RunReport[] = [];
  const sent: ReturnType<Harness['take']>[] = [];

  beforeAll(async () => {
    h = await makeHarness({ config: () => ({ agentRules: [BREAK_RULE], sourceDownAfter: 3 }) });
    readers = new ReaderPool(async (id) => secrets[id]);
    // a Huawei agent already in a long break; the source was never read (a fresh deploy)
    h.sim.setState('huawei', '1003', h.clock.start - 20 * MIN, 'break', { reason: 3 });
    before = await h.snapshot('hw-main');
    // placeholders in the Huawei secret (as the stack makes it); ITNIO's credentials rejected
    secrets['test/huawei'] = { ak: 'q8Vt3rAnd0mAk', sk: 'REPLACE_ME' };
    h.sim.addFault({ path: '/v3/cc/seat/query', kind: 'vendorCode', code: -1 });
    h.log.lines.length = 0;
    h.sim.clearLog();
    for (let i = 1; i <= 10; i++) {
      h.clock.advance(MIN);
      reports.push(await run());
      sent.push(h.take());
    }
    h.sim.clearFaults();
  }, 120_000);
  afterAll(async () => {
    await readers.closeAll();
    await h.stop();
  });

  it('is "not configured" in every run: not a failure, and nothing is sent to its vendor', () => {
    for (const r of reports) {
      expect(r.sources.find((s) => s.source === 'hw-main')).toMatchObject({ status: 'not-configured', errorKind: 'not-configured' });
      expect(r.sources.find((s) => s.source === 'itnio-main')).toMatchObject({ status: 'failed', errorKind: 'auth' });
      expect(r.sources.find((s) => s.source === 'nx-main')).toMatchObject({ status: 'ok' });
    }
    expect(h.sim.log.filter((r) => r.vendor === 'huawei')).toEqual([]);
  });

  it('never pages across 10 runs (sourceDownAfter 3), while the really failing source pages once, at its 3rd failed run', () => {
    const all = sent.flat();
    // nothing about hw-main of any severity: no "source down", no repeat or resolve of its agent alert
    expect(JSON.stringify(all)).not.toContain('hw-main');
    expect(JSON.stringify(all)).not.toContain('1003');
    const down = sent.map((msgs) => msgs.filter((m) => JSON.stringify(m).includes('itnio-main')));
    expect(down.map((d) => d.length > 0)).toEqual([false, false, true, false, false, false, false, false, false, false]);
    expect(down[2]!.some((m) => m.topicArn === TOPICS.oncall)).toBe(true);
  });

  it('keeps its health at no failures, marked not configured, and its stored agents as they were', async () => {
    const health = await h.store.health.load(FN.agentStatus, 'hw-main');
    expect(health).toMatchObject({ consecutiveFailures: 0, notConfigured: { secretId: 'test/huawei', since: h.clock.start + MIN } });
    expect(health?.episodeId).toBeUndefined();
    expect(await h.snapshot('hw-main')).toEqual(before);
    expect((await h.store.health.load(FN.agentStatus, 'itnio-main'))?.consecutiveFailures).toBe(10);
  });

  it('says so in one warn line per run naming the source and its secret', () => {
    const warns = h.log.lines.filter((l) => l.startsWith('warn source not configured'));
    expect(warns).toHaveLength(10);
    expect(warns[0]).toContain('"source":"hw-main"');
    expect(warns[0]).toContain('"secretId":"test/huawei"');
    expect(warns.join('\n')).not.toContain('REPLACE_ME');
  });

  it('reads again once real credentials are in, the mark cleared', async () => {
    secrets['test/huawei'] = SECRETS['test/huawei'];
    h.clock.advance(MIN);
    const r = await run();
    expect(r.sources.find((s) => s.source === 'hw-main')?.status).toBe('ok');
    const health = await h.store.health.load(FN.agentStatus, 'hw-main');
    expect(health?.notConfigured).toBeUndefined();
    expect(health?.consecutiveFailures).toBe(0);
  });
});

describe('placeholders in the secret of a source that was read before', () => {
  let h: Harness;
  const secrets: Record<string, unknown> = { ...SECRETS };
  let readers: ReaderPool;
  beforeAll(async () => {
    h = await makeHarness({ config: () => ({ agentRules: [BREAK_RULE], sourceDownAfter: 3 }) });
    readers = new ReaderPool(async (id) => secrets[id]);
  });
  afterAll(async () => {
    await readers.closeAll();
    await h.stop();
  });

  it('is a watcher gone blind (a deploy replaced the secret, or someone reset it): a failed read that pages', async () => {
    const run = () =>
      runAgentStatus(h.config, new Date(h.clock.now()).toISOString(), h.clock.now(), {
        store: h.store,
        publisher: h.publisher,
        readers,
        log: h.log,
      });
    expect((await run()).sources.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    h.take();
    secrets['test/huawei'] = { ak: 'q8Vt3rAnd0mAk', sk: 'REPLACE_ME' };
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      h.clock.advance(MIN);
      const r = await run();
      statuses.push(r.sources.find((s) => s.source === 'hw-main')!.status);
    }
    expect(statuses).toEqual(['failed', 'failed', 'failed']);
    const page = h.take().find((m) => m.topicArn === TOPICS.oncall);
    expect(page?.bodies?.sms).toMatch(/hw-main DOWN/);
    expect(JSON.stringify(page)).not.toContain('REPLACE_ME');
  });
});
