import { generateAgents } from '#simulator/population';
import { type SimPopulation, VendorSimulator } from '#simulator/server';

/** Credentials the test simulator accepts; fake values, local only. */
export const TEST_CREDS = {
  itnio: { apiKey: 'test-itnio-key', apiSecret: 'test-itnio-secret' },
  huawei: { ak: 'test-huawei-ak', sk: 'test-huawei-sk' },
  nxcloud: { accessKey: 'test-nx-key', accessSecret: 'test-nx-secret' },
};

/** A controllable logical clock for timelines. */
export function testClock(start = Date.UTC(2026, 10, 23, 9, 0, 0)) {
  let now = start;
  return {
    now: () => now,
    set: (t: number) => (now = t),
    advance: (ms: number) => (now += ms),
    start,
  };
}

export function population(t0: number, counts: { itnio?: number; huawei?: number; nxcloud?: number } = {}): SimPopulation {
  return {
    itnio: { ...TEST_CREDS.itnio, agents: generateAgents({ count: counts.itnio ?? 5, t0, firstId: 1 }), tasks: [] },
    huawei: {
      ...TEST_CREDS.huawei,
      ccId: 1,
      vdn: 170,
      agents: generateAgents({ count: counts.huawei ?? 5, t0, firstId: 1001 }),
      restReasons: [
        { id: 3, name: 'Meal' },
        { id: 4, name: 'Training' },
      ],
    },
    nxcloud: {
      ...TEST_CREDS.nxcloud,
      tenantId: 144,
      agents: generateAgents({ count: counts.nxcloud ?? 5, t0, firstId: 1, idPrefix: 'nx' }),
    },
  };
}

export async function startSim(pop: SimPopulation, clock: () => number, extra: { wallClock?: () => number; latencyMs?: number } = {}) {
  return new VendorSimulator({ population: pop, clock, ...extra }).start();
}

/** Fast retries for tests: the behaviour, not the waiting, is under test. */
export const FAST_HTTP = { retries: 2, backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 1_000, concurrency: 4 };
