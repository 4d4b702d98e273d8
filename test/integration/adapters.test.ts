import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEXT_MAX } from '#shared/vendors/http';
import { HUAWEI_STATUS_PATH, HuaweiClient, HuaweiSourceSchema } from '#shared/vendors/huawei';
import { ItnioClient, ItnioSourceSchema } from '#shared/vendors/itnio';
import { NX_AGENT_PAGE_PATH, NX_AGENT_STATUS_PATH, NxClient, NxSourceSchema } from '#shared/vendors/nxcloud';
import type { VendorSimulator } from '#simulator/server';
import { sourceError } from '../support/errors';
import { FAST_HTTP, population, startSim, TEST_CREDS, testClock } from '../support/sim';

const clock = testClock();
const t0 = clock.start;
let sim: VendorSimulator;
const clients: { close(): Promise<void> }[] = [];

function track<T extends { close(): Promise<void> }>(c: T): T {
  clients.push(c);
  return c;
}
const itnio = (creds = TEST_CREDS.itnio, http: object = FAST_HTTP) =>
  track(new ItnioClient(ItnioSourceSchema.parse({ vendor: 'itnio', id: 'itnio-main', baseUrl: sim.url, secretId: 's', http }), creds));
const huawei = (extra: object = {}, creds = TEST_CREDS.huawei) =>
  track(
    new HuaweiClient(
      HuaweiSourceSchema.parse({
        vendor: 'huawei',
        id: 'hw-main',
        baseUrl: sim.url,
        secretId: 's',
        ccId: 1,
        vdn: 170,
        agentIds: ['1001-1250'],
        groups: { sales: ['1001-1002'] },
        http: FAST_HTTP,
        ...extra,
      }),
      creds,
    ),
  );
const nx = (creds = TEST_CREDS.nxcloud, http: object = FAST_HTTP) =>
  track(
    new NxClient(NxSourceSchema.parse({ vendor: 'nxcloud', id: 'nx-main', baseUrl: sim.url, secretId: 's', tenantId: 144, http }), creds),
  );

beforeAll(async () => {
  sim = await startSim(population(t0, { itnio: 250, huawei: 250, nxcloud: 450 }), clock.now);
});
afterEach(async () => {
  sim.clearFaults();
  sim.clearLog();
  clock.set(t0);
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => sim.stop());

describe('ITNIO seat query', () => {
  it('reads every page exactly once and normalizes the agents', async () => {
    sim.setState('itnio', '7', t0 + 60_000, 'break');
    clock.set(t0 + 120_000);
    const { agents } = await itnio().readAgents(clock.now());
    expect(agents).toHaveLength(250);
    const pages = sim
      .requests('/v3/cc/seat/query')
      .map((r) => r.body.current)
      .sort();
    expect(pages).toEqual([1, 2, 3]);
    expect(sim.requests('/v3/cc/seat/query').every((r) => r.body.size === 100)).toBe(true);
    expect(agents.find((a) => a.agentId === '7')).toMatchObject({
      state: 'break',
      vendorState: '5',
      name: 'Agent 7',
      groups: ['sales'],
      source: 'itnio-main',
    });
    // the password field in the vendor record never leaves the adapter
    expect(JSON.stringify(agents)).not.toContain('452061e7b50b70001c1e2168632ea56d');
  });

  it('is rejected with the vendor auth code for a wrong secret, and not retried', async () => {
    const err = await sourceError(itnio({ apiKey: TEST_CREDS.itnio.apiKey, apiSecret: 'wrong' }).readAgents(t0));
    expect(err.kind).toBe('auth');
    expect(err.vendorCode).toBe('-1');
    expect(err.message).toMatch(/itnio-main.*check the source credentials/);
    expect(sim.requests('/v3/cc/seat/query')).toHaveLength(1);
  });

  it('maps -16 to a clock error after one retry with a fresh timestamp', async () => {
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'vendorCode', code: -16 });
    const err = await sourceError(itnio().readAgents(t0));
    expect(err.kind).toBe('clock');
    expect(err.message).toMatch(/clock/);
    expect(sim.requests('/v3/cc/seat/query')).toHaveLength(2);
  });

  it.each([
    ['-2', 'config'],
    ['-13', 'auth'],
    // "Data existing" answers a create, never a read: the answer is off-contract, not our parameters
    ['-20', 'schema'],
    ['-22', 'request'],
    ['-35', 'request'],
  ])('maps vendor status %s to a %s error without retrying', async (code, kind) => {
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'vendorCode', code });
    const err = await sourceError(itnio().readAgents(t0));
    expect([err.kind, err.vendorCode]).toEqual([kind, code]);
    expect(sim.requests('/v3/cc/seat/query')).toHaveLength(1);
  });

  it('takes -23 (data caps) as transient: retried, then left to the next run, never a config error', async () => {
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'vendorCode', code: '-23' });
    const err = await sourceError(itnio().readAgents(t0));
    expect([err.kind, err.vendorCode]).toEqual(['transient', '-23']);
    expect(sim.requests('/v3/cc/seat/query').length).toBeGreaterThan(1);
  });

  it('retries -18 and 5xx with backoff, then succeeds', async () => {
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'vendorCode', code: -18, times: 1, match: (b) => b.current === 2 });
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'http', status: 503, times: 1, match: (b) => b.current === 3 });
    expect((await itnio().readAgents(t0)).agents).toHaveLength(250);
    expect(sim.requests('/v3/cc/seat/query')).toHaveLength(5);
  });

  it('gives up after the configured retries with a transient error', async () => {
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'http', status: 502, match: (b) => b.current === 2 });
    const err = await sourceError(itnio().readAgents(t0));
    expect(err.kind).toBe('transient');
    expect(sim.requests('/v3/cc/seat/query', (b) => b.current === 2)).toHaveLength(1 + FAST_HTTP.retries);
  });

  it('retries timeouts and connection resets', async () => {
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'timeout', times: 1 });
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'reset', times: 1 });
    expect((await itnio(TEST_CREDS.itnio, { ...FAST_HTTP, timeoutMs: 300 }).readAgents(t0)).agents).toHaveLength(250);
  });

  it('names the field when a record has the wrong type', async () => {
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'wrongType', match: (b) => b.current === 1 });
    const err = await sourceError(itnio().readAgents(t0));
    expect(err.kind).toBe('schema');
    expect(err.message).toContain('records[0].status');
  });

  it('says the body was not JSON for truncated and HTML answers', async () => {
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'truncated' });
    expect((await sourceError(itnio().readAgents(t0))).message).toMatch(/not valid JSON/);
    sim.clearFaults();
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'malformed' });
    expect((await sourceError(itnio().readAgents(t0))).message).toMatch(/starts "<html>/);
  });

  it('refuses an answer whose totals disagree across pages', async () => {
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'mutate', match: (b) => b.current === 3, fn: (j) => (j.data.total = 260) });
    const err = await sourceError(itnio().readAgents(t0));
    expect(err.kind).toBe('incomplete');
  });

  it('refuses an answer with a page that came back short', async () => {
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'mutate', match: (b) => b.current === 2, fn: (j) => j.data.records.splice(0, 10) });
    expect((await sourceError(itnio().readAgents(t0))).message).toMatch(/read 240 distinct records .* reported 250/);
  });

  it('enforces the page-size limit with the vendor parameter error', async () => {
    const client = itnio() as unknown as { post(p: string, b: unknown, w: string): Promise<unknown> };
    const err = await sourceError(client.post('/v3/cc/seat/query', { current: 1, size: 101, params: {} }, 'seat/query'));
    expect([err.kind, err.vendorCode]).toEqual(['request', '-22']);
  });

  it('fetches pages after the first in parallel, bounded by the source concurrency', async () => {
    sim.addFault({ path: '/v3/cc/seat/query', kind: 'latency', ms: 100, match: (b) => b.current > 1 });
    await itnio().readAgents(t0);
    // page 1 alone (it tells the page count), then pages 2 and 3 at once
    expect(sim.requests('/v3/cc/seat/query')).toHaveLength(3);
    expect(sim.peakInFlight).toBe(2);
  });
});

describe('ITNIO preview task detail', () => {
  beforeAll(() => {
    sim.population.itnio!.tasks = [
      {
        taskId: 123,
        name: 'Renewals',
        statusTimeline: [{ at: t0, taskStatus: 11 }],
        contacts: Array.from({ length: 30 }, (_, i) => ({
          id: 9000 + i,
          called: `91132429${String(26500 + i)}`,
          timeline: [
            { at: t0, status: 5 as const },
            ...(i < 12 ? [{ at: t0 + 1000 * i, status: 7 as const, errorReason: i % 2 ? 'busy line' : 'no answer' }] : []),
          ],
        })),
      },
    ];
  });

  it('counts one status with a single size=1 request', async () => {
    clock.set(t0 + 60_000);
    expect(await itnio().countTaskContacts(123, 7)).toBe(12);
    const reqs = sim.requests('/v3/cc/preview/queryTaskDetail');
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.body).toMatchObject({ current: 1, size: 1, params: { taskId: 123, statusList: [7] } });
  });

  it('reads contacts with numbers masked', async () => {
    clock.set(t0 + 60_000);
    const { total, contacts } = await itnio().readTaskContacts(123, [7], 5);
    expect(total).toBe(12);
    expect(contacts).toHaveLength(5);
    expect(contacts[0]).toMatchObject({ status: 7, calledMasked: '*********6511', errorReason: 'busy line' });
    expect(JSON.stringify(contacts)).not.toMatch(/91132429/);
  });

  it('an unknown task id is a request error naming the task', async () => {
    const err = await sourceError(itnio().countTaskContacts(999, 7));
    expect(err.message).toContain('task 999');
    expect(err.vendorCode).toBe('-22');
  });
});

describe('Huawei CC-CMS', () => {
  it('reads agent states with time in state, rest reasons named, sentinels dropped', async () => {
    sim.setState('huawei', '1001', t0 + 10_000, 'break', { reason: 3 });
    sim.setState('huawei', '1002', t0 + 20_000, 'busy', { code: 7 });
    sim.setState('huawei', '1003', t0 + 20_000, 'offline');
    clock.set(t0 + 610_000);
    const { agents } = await huawei().readAgents(clock.now());
    expect(agents).toHaveLength(250);
    const byId = new Map(agents.map((a) => [a.agentId, a]));
    expect(byId.get('1001')).toMatchObject({
      state: 'break',
      vendorState: '8',
      reasonCode: '3',
      reason: 'Meal (3)',
      inStateForSec: 600,
      groups: ['sales'],
    });
    expect(byId.get('1002')).toMatchObject({ state: 'busy', vendorState: '7' });
    expect(byId.get('1003')).toMatchObject({ state: 'offline', vendorState: '0' });
    expect(byId.get('1003')!.reason).toBeUndefined();
  });

  it('sends at most 6000 ids per request', async () => {
    // 7000 ids, the simulator's 250 agents among them
    const read = await huawei({ agentIds: ['1001-8000'] }).readAgents(t0);
    expect(read.agents).toHaveLength(250);
    const bodies = sim
      .requests(HUAWEI_STATUS_PATH)
      .map((r) => r.body.agentIds.length)
      .sort((a: number, b: number) => b - a);
    expect(bodies).toEqual([6000, 1000]);
  });

  it('accepts both signed-header sets and millisecond timestamps', async () => {
    expect((await huawei({ signedHeaders: ['host'] }).readAgents(t0)).agents).toHaveLength(250);
    expect((await huawei({ timestampMillis: true }).readAgents(t0)).agents).toHaveLength(250);
  });

  it('accepts the legacy resultDatas array alone', async () => {
    sim.addFault({ path: HUAWEI_STATUS_PATH, kind: 'mutate', fn: (j) => delete j.resultDesc });
    expect((await huawei().readAgents(t0)).agents).toHaveLength(250);
  });

  it('drops records for agents not asked for; two records that disagree leave their agent unreported', async () => {
    sim.addFault({
      path: HUAWEI_STATUS_PATH,
      kind: 'mutate',
      fn: (j) => {
        const [first] = j.resultDesc;
        // a vendor ignoring the id filter, ids out of range, and a second, different record for 1001
        j.resultDesc.push({ ...first, agentId: 1, currentState: 7 }, { ...first, agentId: 70000, currentState: 8 });
        j.resultDesc.push({ ...first, agentId: 1001, currentState: first.currentState === 8 ? 1 : 8 });
      },
    });
    const read = await huawei().readAgents(t0);
    expect(read.agents.map((a) => a.agentId)).not.toEqual(expect.arrayContaining(['1', '70000']));
    expect(read.agents).toHaveLength(249);
    expect(read.unreported).toEqual(['1001']);
  });

  it('an answer naming none of the agents asked for is a failed read, not a floor gone at once', async () => {
    sim.addFault({
      path: HUAWEI_STATUS_PATH,
      kind: 'mutate',
      fn: (j) => {
        j.resultDesc = [];
        j.resultDatas = [];
      },
    });
    const err = await sourceError(huawei().readAgents(t0));
    expect(err.kind).toBe('incomplete');
    expect(err.message).toContain('none of the 250 agents asked for');
  });

  it("an answer without resultCode is a schema error naming it and quoting what came instead (a gateway's page)", async () => {
    sim.addFault({
      path: HUAWEI_STATUS_PATH,
      kind: 'mutate',
      fn: (j) => {
        for (const k of Object.keys(j)) delete j[k];
        Object.assign(j, { error_code: 'APIGW.0308', error_msg: 'The request is throttled' });
      },
    });
    const err = await sourceError(huawei().readAgents(t0));
    expect(err.kind).toBe('schema');
    expect(err.message).toMatch(/resultCode: missing.*APIGW\.0308.*throttled/);
  });

  it('an answer with neither records array is a schema error naming the field', async () => {
    sim.addFault({
      path: HUAWEI_STATUS_PATH,
      kind: 'mutate',
      fn: (j) => {
        delete j.resultDesc;
        delete j.resultDatas;
      },
    });
    await expect(huawei().readAgents(t0)).rejects.toThrow(/schema error: .*resultDatas: /);
    sim.clearFaults();
  });

  it('an HTTP 401 is an auth error and is not retried', async () => {
    const err = await sourceError(huawei({}, { ak: TEST_CREDS.huawei.ak, sk: 'wrong' }).readAgents(t0));
    expect(err.kind).toBe('auth');
    expect(sim.requests(HUAWEI_STATUS_PATH)).toHaveLength(1);
  });

  it.each([
    ['0100002', 'request'],
    ['0100003', 'config'],
    ['0101003', 'auth'],
  ])('maps result code %s to a %s error', async (code, kind) => {
    sim.addFault({ path: HUAWEI_STATUS_PATH, kind: 'vendorCode', code });
    const err = await sourceError(huawei().readAgents(t0));
    expect([err.kind, err.vendorCode]).toEqual([kind, code]);
  });

  it.each(['0100001', '0100999'])('retries %s (CTI call failed / unknown) as transient', async (code) => {
    sim.addFault({ path: HUAWEI_STATUS_PATH, kind: 'vendorCode', code, times: 1 });
    expect((await huawei().readAgents(t0)).agents).toHaveLength(250);
    expect(sim.requests(HUAWEI_STATUS_PATH)).toHaveLength(2);
  });

  it('rejects a wrong type naming the field', async () => {
    sim.addFault({ path: HUAWEI_STATUS_PATH, kind: 'wrongType' });
    expect((await sourceError(huawei().readAgents(t0))).message).toContain('resultDesc[0].currentState');
  });

  it('a failing rest-reason lookup costs only the names', async () => {
    sim.setState('huawei', '1001', t0, 'break', { reason: 4 });
    sim.addFault({ path: /restreasons/, kind: 'http', status: 500 });
    const { agents } = await huawei().readAgents(t0 + 1000);
    expect(agents.find((a) => a.agentId === '1001')!.reason).toBe('4');
  });
});

describe('NXCloud', () => {
  it('pages agents by 200 and infers each state from one status/info request per agent', async () => {
    sim.setState('nxcloud', 'nx5', t0 - 120_000, 'break');
    sim.setState('nxcloud', 'nx6', t0 - 120_000, 'busy');
    sim.setState('nxcloud', 'nx7', t0 - 120_000, 'offline');
    sim.population.nxcloud!.agents.find((a) => a.id === 'nx8')!.enabled = false;
    const { agents, unreported } = await nx()
      .readAgents(t0)
      .finally(() => {
        sim.population.nxcloud!.agents.find((a) => a.id === 'nx8')!.enabled = true;
      });
    expect(
      sim
        .requests(NX_AGENT_PAGE_PATH)
        .map((r) => r.body.page)
        .sort(),
    ).toEqual([1, 2, 3]);
    expect(sim.requests(NX_AGENT_PAGE_PATH).every((r) => r.body.size === 200)).toBe(true);
    expect(sim.requests(NX_AGENT_STATUS_PATH)).toHaveLength(449);
    const byId = new Map(agents.map((a) => [a.agentId, a]));
    expect(byId.get('nx5')).toMatchObject({ state: 'break', vendorState: 'eating', inferred: true });
    expect(byId.get('nx6')).toMatchObject({ state: 'busy', inferred: true });
    // signed off: a window with no time in it, which cannot tell that from statistics not yet written
    expect(unreported).toEqual(['nx7']);
    expect(agents).toHaveLength(448);
    expect(byId.has('nx8')).toBe(false);
    sim.setState('nxcloud', 'nx7', t0 - 120_000, 'idle');
  });

  it.each([
    [1001, 'auth'],
    [1003, 'auth'],
    [1004, 'clock'],
    [1005, 'auth'],
    [1002, 'config'],
    [7, 'request'],
  ])('maps code %s to a %s error', async (code, kind) => {
    sim.addFault({ path: NX_AGENT_PAGE_PATH, kind: 'vendorCode', code });
    const err = await sourceError(nx().readAgents(t0));
    expect([err.kind, err.vendorCode]).toEqual([kind, String(code)]);
  });

  it('a wrong secret gets the vendor sign error', async () => {
    const err = await sourceError(nx({ accessKey: TEST_CREDS.nxcloud.accessKey, accessSecret: 'nope' }).readAgents(t0));
    expect([err.kind, err.vendorCode]).toEqual(['auth', '1003']);
  });

  it.each([88, 99])('retries %s (request failed / system error) and succeeds', async (code) => {
    sim.addFault({ path: NX_AGENT_STATUS_PATH, kind: 'vendorCode', code, times: 3 });
    expect((await nx().readAgents(t0)).agents).toHaveLength(450);
    expect(sim.requests(NX_AGENT_STATUS_PATH)).toHaveLength(453);
  });

  it('keeps exactly the source concurrency of status requests in flight', async () => {
    sim.addFault({ path: NX_AGENT_STATUS_PATH, kind: 'latency', ms: 20 });
    const client = track(
      new NxClient(
        NxSourceSchema.parse({
          vendor: 'nxcloud',
          id: 'nx-main',
          baseUrl: sim.url,
          secretId: 's',
          tenantId: 144,
          http: { ...FAST_HTTP, concurrency: 3 },
        }),
        TEST_CREDS.nxcloud,
      ),
    );
    await client.readAgents(t0);
    expect(sim.requests(NX_AGENT_STATUS_PATH)).toHaveLength(450);
    expect(sim.peakInFlight).toBe(3);
  });

  it('one agent whose status cannot be read fails the whole source read, never a partial list', async () => {
    sim.addFault({ path: NX_AGENT_STATUS_PATH, kind: 'wrongType', match: (b) => b.userName === 'nx9' });
    const err = await sourceError(nx().readAgents(t0));
    expect(err.message).toContain('nx9');
    expect(err.message).toContain('data.idleDuration');
  });
});

describe('simulator clock checks', () => {
  it('rejects requests signed with a skewed clock, per vendor', async () => {
    const skewed = () => Date.now() - 10 * 60_000;
    const creds = TEST_CREDS;
    const i = track(
      new ItnioClient(
        ItnioSourceSchema.parse({ vendor: 'itnio', id: 'i', baseUrl: sim.url, secretId: 's', http: FAST_HTTP }),
        creds.itnio,
        skewed,
      ),
    );
    const n = track(
      new NxClient(
        NxSourceSchema.parse({ vendor: 'nxcloud', id: 'n', baseUrl: sim.url, secretId: 's', tenantId: 144, http: FAST_HTTP }),
        creds.nxcloud,
        skewed,
      ),
    );
    expect((await sourceError(i.readAgents(t0))).kind).toBe('clock');
    expect((await sourceError(n.readAgents(t0))).kind).toBe('clock');
  });
});

describe('limits: no answer can exhaust time or memory, and a partial one is never complete', () => {
  const SEAT = '/v3/cc/seat/query';
  const MiB = 1024 * 1024;
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a trickled answer ends at the whole-request deadline, though no gap reaches the body timeout', async () => {
    // page 1 (~40 kB) at 64 bytes every 50 ms would take about half a minute
    sim.addFault({ path: SEAT, kind: 'trickle', bytesPerChunk: 64, everyMs: 50 });
    const started = performance.now();
    const err = await sourceError(itnio(TEST_CREDS.itnio, { ...FAST_HTTP, retries: 0, timeoutMs: 400, deadlineMs: 600 }).readAgents(t0));
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('no complete answer from /v3/cc/seat/query within 600 ms (http.deadlineMs)');
    expect(performance.now() - started).toBeLessThan(3 * 600);
    expect(sim.requests(SEAT)).toHaveLength(1);
  });

  it('a deadline expiry is retried like a timeout, and a trickle that ends in time is read whole', async () => {
    sim.addFault({ path: SEAT, kind: 'trickle', bytesPerChunk: 64, everyMs: 50, times: 1, match: (b) => b.current === 1 });
    sim.addFault({ path: SEAT, kind: 'trickle', bytesPerChunk: 8192, everyMs: 5, match: (b) => b.current > 1 });
    const { agents, unreported } = await itnio(TEST_CREDS.itnio, { ...FAST_HTTP, retries: 1, timeoutMs: 400, deadlineMs: 600 }).readAgents(
      t0,
    );
    expect(agents).toHaveLength(250);
    expect(unreported).toEqual([]);
    expect(
      sim
        .requests(SEAT)
        .map((r) => r.body.current)
        .sort(),
    ).toEqual([1, 1, 2, 3]);
  });

  it('a caller abort mid-read stops at once with a deadline error, and no request follows it', async () => {
    const controller = new AbortController();
    let arrived = 0;
    let loggedAtAbort = -1;
    let abortedAt = 0;
    // status requests 17-20 are held unanswered, so all four workers are stuck and none can be in
    // transit; the 20th then aborts the read (the simulator runs in this process)
    sim.addFault({
      path: NX_AGENT_STATUS_PATH,
      kind: 'timeout',
      match: () => {
        if (++arrived === 20) {
          controller.abort(new Error('run budget spent'));
          loggedAtAbort = sim.log.length;
          abortedAt = performance.now();
        }
        return arrived > 16;
      },
    });
    const err = await sourceError(
      nx(TEST_CREDS.nxcloud, { ...FAST_HTTP, timeoutMs: 5_000, deadlineMs: 10_000 }).readAgents(t0, controller.signal),
    );
    expect(performance.now() - abortedAt).toBeLessThan(1_000);
    expect(err.kind).toBe('deadline');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(
      /the caller aborted the read \(run budget spent\).*the source did not answer within its budget this run; stored state is kept/,
    );
    await wait(200);
    expect(sim.log).toHaveLength(loggedAtAbort);
  });

  it('an abort during a backoff sleep ends the sleep', async () => {
    sim.addFault({ path: SEAT, kind: 'http', status: 503 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = performance.now();
    const err = await sourceError(
      itnio(TEST_CREDS.itnio, { ...FAST_HTTP, retries: 3, backoffBaseMs: 20_000, backoffMaxMs: 20_000 }).readAgents(t0, controller.signal),
    );
    expect(err.kind).toBe('deadline');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('an already aborted signal sends nothing', async () => {
    const err = await sourceError(huawei().readAgents(t0, AbortSignal.abort()));
    expect(err.kind).toBe('deadline');
    expect(sim.log).toHaveLength(0);
  });

  it.each([
    [
      'ITNIO',
      SEAT,
      () => itnio().readAgents(t0),
      'seat/query: vendor reported total 100000000 records: 1000000 pages of 100, over the cap of 1000 (http.maxPages)',
    ],
    [
      'NXCloud',
      NX_AGENT_PAGE_PATH,
      () => nx().readAgents(t0),
      'agent/page: vendor reported total 100000000 records: 500000 pages of 200, over the cap of 1000 (http.maxPages)',
    ],
  ])('%s: a page-1 total beyond maxPages is refused before page 2 is asked for', async (_vendor, path, read, message) => {
    sim.addFault({ path, kind: 'hugeTotal', total: 100_000_000 });
    const err = await sourceError(read());
    expect(err.kind).toBe('schema');
    expect(err.message).toContain(message);
    expect(sim.requests(path).map((r) => r.body.current ?? r.body.page)).toEqual([1]);
  });

  it('maxPages is a per-source setting', async () => {
    const err = await sourceError(itnio(TEST_CREDS.itnio, { ...FAST_HTTP, maxPages: 2 }).readAgents(t0));
    expect(err.message).toContain('vendor reported total 250 records: 3 pages of 100, over the cap of 2 (http.maxPages)');
  });

  it('a body over maxResponseBytes is cut off and refused, whether chunked or declared', async () => {
    sim.addFault({ path: SEAT, kind: 'hugeBody', bytes: 64 * MiB, times: 1 });
    const chunked = await sourceError(itnio().readAgents(t0));
    expect(chunked.kind).toBe('schema');
    expect(chunked.message).toMatch(
      /^\[itnio-main\] schema error: response from \/v3\/cc\/seat\/query sent more than 16777216 bytes, over the cap of 16777216 bytes \(http\.maxResponseBytes\)/,
    );
    sim.addFault({ path: SEAT, kind: 'hugeBody', bytes: 64 * MiB, declareLength: true, times: 1 });
    const declared = await sourceError(itnio().readAgents(t0));
    expect(declared.message).toContain(
      'response from /v3/cc/seat/query declares 67108864 bytes, over the cap of 16777216 bytes (http.maxResponseBytes)',
    );
    // refused, not retried, and no other page asked for
    expect(sim.requests(SEAT)).toHaveLength(2);
  });

  it('a large body under the cap is read, its giant name capped', async () => {
    sim.addFault({ path: SEAT, kind: 'hugeBody', bytes: 2 * MiB, match: (b) => b.current === 1 });
    const { agents } = await itnio().readAgents(t0);
    expect(agents).toHaveLength(250);
    const name = agents.find((a) => a.agentId === '1')!.name;
    expect([...name]).toHaveLength(TEXT_MAX.name);
    expect(name).toMatch(/^x+…$/);
  });

  it('Huawei ids missing from the answer are listed as unreported, not dropped', async () => {
    expect((await huawei().readAgents(t0)).unreported).toEqual([]);
    sim.addFault({ path: HUAWEI_STATUS_PATH, kind: 'omitIds', ids: [1005, 1010] });
    const { agents, unreported } = await huawei().readAgents(t0);
    expect(unreported).toEqual(['1005', '1010']);
    expect(agents).toHaveLength(248);
    expect(agents.filter((a) => ['1005', '1010'].includes(a.agentId))).toEqual([]);
  });

  it('Huawei omitIds by fraction leaves out every tenth requested id', async () => {
    sim.addFault({ path: HUAWEI_STATUS_PATH, kind: 'omitIds', fraction: 0.1 });
    const { agents, unreported } = await huawei().readAgents(t0);
    expect(unreported).toEqual(Array.from({ length: 25 }, (_, i) => String(1010 + 10 * i)));
    expect(agents).toHaveLength(225);
  });

  it('vendor text is cleaned and capped where it is parsed', async () => {
    const evil = 'Eve\r\nBcc: x\u202e';
    sim.addFault({
      path: SEAT,
      kind: 'mutate',
      match: (b) => b.current === 1,
      fn: (j) => {
        j.data.records[0].name = 'N'.repeat(450_000);
        j.data.records[1].name = evil;
        j.data.records[1].groupName = `\u2066sales\u2069${' team'.repeat(30)}`;
      },
    });
    const { agents } = await itnio().readAgents(t0);
    const byId = new Map(agents.map((a) => [a.agentId, a]));
    expect(byId.get('1')!.name).toBe(`${'N'.repeat(TEXT_MAX.name - 1)}…`);
    expect(byId.get('2')!.name).toBe('Eve Bcc: x');
    expect(byId.get('2')!.groups).toEqual([`${`sales${' team'.repeat(30)}`.slice(0, TEXT_MAX.group - 1)}…`]);

    sim.addFault({
      path: NX_AGENT_PAGE_PATH,
      kind: 'mutate',
      match: (b) => b.page === 1,
      fn: (j) => Object.assign(j.data[0], { nickName: evil, queueName: ['\u200bsupport\u2028desk', 'q'.repeat(450_000)] }),
    });
    const nxAgent = (await nx().readAgents(t0)).agents.find((a) => a.agentId === 'nx1')!;
    expect(nxAgent.name).toBe('Eve Bcc: x');
    expect(nxAgent.groups).toEqual(['support desk', `${'q'.repeat(TEXT_MAX.group - 1)}…`]);

    sim.setState('huawei', '1001', t0, 'break', { reason: 3 });
    sim.addFault({ path: /restreasons/, kind: 'mutate', fn: (j) => (j.resultDesc[0].restReason = `Meal\r\n\u202e${'!'.repeat(450_000)}`) });
    const hwAgent = (await huawei().readAgents(t0 + 1000)).agents.find((a) => a.agentId === '1001')!;
    expect(hwAgent.reason).toBe(`Meal ${'!'.repeat(TEXT_MAX.reason - 6)}… (3)`);
  });

  it('task names, error reasons and seat names are cleaned too', async () => {
    sim.population.itnio!.tasks = [
      {
        taskId: 77,
        name: `Renewals\u202e\n${'r'.repeat(450_000)}`,
        statusTimeline: [{ at: t0, taskStatus: 11 }],
        contacts: [
          {
            id: 1,
            called: '8613800138000',
            agentName: 'Bob\u0007\r\nX-Evil: 1',
            timeline: [{ at: t0, status: 7, errorReason: `no\tanswer\u2067${'!'.repeat(450_000)}` }],
          },
        ],
      },
    ];
    const client = itnio();
    const [task] = await client.listPreviewTasks({ taskId: 77 });
    expect(task!.taskName).toBe(`Renewals ${'r'.repeat(TEXT_MAX.name - 10)}…`);
    const { contacts } = await client.readTaskContacts(77, [7], 5);
    expect(contacts[0]).toMatchObject({ agentName: 'Bob X-Evil: 1', errorReason: `no answer${'!'.repeat(TEXT_MAX.reason - 10)}…` });
    sim.population.itnio!.tasks = [];
  });

  it("stop() ends the simulator's trickles in flight", async () => {
    const own = await startSim(population(t0, { itnio: 50 }), clock.now);
    own.addFault({ path: SEAT, kind: 'trickle', bytesPerChunk: 1, everyMs: 20 });
    const client = track(
      new ItnioClient(
        ItnioSourceSchema.parse({ vendor: 'itnio', id: 'itnio-own', baseUrl: own.url, secretId: 's', http: { ...FAST_HTTP, retries: 0 } }),
        TEST_CREDS.itnio,
      ),
    );
    const read = sourceError(client.readAgents(t0));
    await wait(100);
    const started = performance.now();
    await own.stop();
    expect((await read).kind).toBe('transient');
    // the trickle alone would take minutes
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
