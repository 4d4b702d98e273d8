import type { AgentState } from '#shared/model/agent';
import { dialerTask, generateAgents, type SimAgent, type SimTask } from './population';
import type { SimPopulation } from './server';

const MIN = 60_000;

/** The port `ccwatch sim` listens on unless told otherwise; examples/sim.config.jsonc points there. */
export const SIM_PORT = 7780;

/** Fake credentials the simulator accepts; they exist only on this machine (examples/sim.secrets.json). */
export const SIM_CREDENTIALS = {
  'ccwatch/sim/itnio': { apiKey: 'sim-itnio-key', apiSecret: 'sim-itnio-secret' },
  'ccwatch/sim/huawei': { ak: 'sim-huawei-ak', sk: 'sim-huawei-sk' },
  'ccwatch/sim/nxcloud': { accessKey: 'sim-nx-key', accessSecret: 'sim-nx-secret' },
} as const;

function agent(
  id: string,
  name: string,
  groups: string[],
  t0: number,
  steps: [number, AgentState, { code?: number; reason?: number }?][],
): SimAgent {
  return { id, name, groups, timeline: steps.map(([min, state, extra]) => ({ at: t0 + min * MIN, state, ...extra })) };
}

/** Dialled one contact every 20 s; between minutes 20 and 45 two in three end abnormal. */
function renewalsTask(t0: number): SimTask {
  return dialerTask({
    taskId: 501,
    name: 'Renewals Nov',
    t0: t0 + 2 * MIN,
    contacts: 240,
    dialEverySec: 20,
    agents: ['Alice Chen', 'Bob Li', '王芳'],
    abnormal: (i, dialAt) => (dialAt > t0 + 20 * MIN && dialAt < t0 + 45 * MIN ? i % 3 !== 0 : i % 9 === 0),
    endAt: t0 + 84 * MIN,
  });
}

export interface Scenario {
  description: string;
  /** Simulated minutes the demo covers. */
  minutes: number;
  population(t0: number): SimPopulation;
}

export const SCENARIOS: Record<string, Scenario> = {
  demo: {
    description: 'A shift across three vendors: long breaks, a long call, a stuck wrap-up, and a dialer task going bad',
    minutes: 90,
    population: (t0) => ({
      itnio: {
        ...SIM_CREDENTIALS['ccwatch/sim/itnio'],
        agents: [
          agent('101', 'Alice Chen', ['sales'], t0, [
            [0, 'idle'],
            [2, 'break'],
            [74, 'idle'],
          ]),
          agent('102', 'Bob Li', ['sales'], t0, [
            [0, 'idle'],
            [5, 'busy'],
            [30, 'wrapup'],
            [41, 'idle'],
          ]),
          agent('103', '王芳', ['support'], t0, [
            [0, 'busy'],
            [4, 'wrapup'],
            [6, 'idle'],
            [20, 'break'],
            [31, 'idle'],
          ]),
          agent('104', 'Carlos Ruiz', ['support'], t0, [
            [0, 'idle'],
            [10, 'busy'],
            [14, 'idle'],
          ]),
          agent('105', 'Dana Kim', ['billing'], t0, [
            [0, 'offline'],
            [30, 'idle'],
          ]),
        ],
        tasks: [renewalsTask(t0)],
      },
      huawei: {
        ...SIM_CREDENTIALS['ccwatch/sim/huawei'],
        ccId: 1,
        vdn: 170,
        restReasons: [
          { id: 3, name: 'Meal' },
          { id: 4, name: 'Training' },
        ],
        agents: [
          agent('1001', '1001', ['hotline'], t0, [
            [0, 'idle'],
            [8, 'break', { reason: 3 }],
            [70, 'idle'],
          ]),
          agent('1002', '1002', ['hotline'], t0, [
            [0, 'idle'],
            [12, 'busy', { code: 7 }],
            [30, 'idle'],
          ]),
          agent('1003', '1003', ['vip'], t0, [
            [0, 'busy'],
            [50, 'idle'],
          ]),
          agent('1004', '1004', ['vip'], t0, [[0, 'idle']]),
        ],
      },
      nxcloud: {
        ...SIM_CREDENTIALS['ccwatch/sim/nxcloud'],
        tenantId: 144,
        agents: [
          agent('ana@acme.example', 'Ana', ['Retention'], t0 - 5 * MIN, [
            [0, 'idle'],
            [20, 'wrapup'],
            [45, 'idle'],
          ]),
          agent('li@acme.example', 'Li Wei', ['Retention', 'Upsell'], t0 - 5 * MIN, [
            [0, 'busy'],
            [15, 'idle'],
          ]),
          agent('sam@acme.example', 'Sam', ['Upsell'], t0 - 5 * MIN, [[0, 'idle']]),
        ],
      },
    }),
  },
  large: {
    description: '1,000 idle agents per vendor (paging and load)',
    minutes: 5,
    population: (t0) => ({
      itnio: { ...SIM_CREDENTIALS['ccwatch/sim/itnio'], agents: generateAgents({ count: 1000, t0, firstId: 1 }), tasks: [] },
      huawei: { ...SIM_CREDENTIALS['ccwatch/sim/huawei'], ccId: 1, vdn: 170, agents: generateAgents({ count: 1000, t0, firstId: 1001 }) },
      nxcloud: {
        ...SIM_CREDENTIALS['ccwatch/sim/nxcloud'],
        tenantId: 144,
        agents: generateAgents({ count: 1000, t0, firstId: 1, idPrefix: 'nx' }),
      },
    }),
  },
};

/**
 * The simulated clock of `ccwatch sim`: from `t0` on it runs `speed` times as fast as the wall
 * clock, and a scenario of `minutes` simulated minutes replays from its start each time it ends.
 * `at` maps any wall time onto it (the simulator's `timelineAt`).
 *
 * `timeInStateSec` is the time in state a vendor reports (the simulator's option). A watcher
 * keeps its own clock, the wall clock: were the reported time to keep running `speed` times as
 * fast, every read would tell it the state began `speed - 1` intervals earlier than the read
 * before said, which only a new state could mean (ccwatch would resolve and re-raise the alert
 * each run). So a state instance reports its sped-up length when first asked about, and from
 * then on grows in real time: states still begin and end `speed` times as fast, an alert still
 * comes as soon as a first read finds the state past the rule, and reads agree with each other.
 */
export function scenarioClock(t0: number, speed: number, minutes: number, wall: () => number = Date.now) {
  const cycle = minutes * MIN;
  const elapsed = (t: number) => Math.max(0, (t - t0) * speed);
  const at = (t: number) => (t < t0 ? t : t0 + (cycle > 0 ? elapsed(t) % cycle : elapsed(t)));
  const lap = (t: number) => (cycle > 0 ? Math.floor(elapsed(t) / cycle) : 0);
  /** Each state instance (agent, start, lap) first asked about: its length then, and when. */
  const firstAsked = new Map<string, { sec: number; wall: number }>();
  let lapSeen = 0;
  const timeInStateSec = (agent: string, since: number, now: number): number => {
    if (speed === 1) return (now - since) / 1000;
    const w = wall();
    const l = lap(w);
    if (l !== lapSeen) {
      // a new lap starts every state afresh: the last lap's instances are done
      for (const k of firstAsked.keys()) if (!k.endsWith(`#${l}`)) firstAsked.delete(k);
      lapSeen = l;
    }
    const key = `${agent}@${since}#${l}`;
    let first = firstAsked.get(key);
    if (!first) {
      first = { sec: (now - since) / 1000, wall: w };
      firstAsked.set(key, first);
    }
    return first.sec + (w - first.wall) / 1000;
  };
  return { now: () => at(wall()), at, timeInStateSec };
}

/** The sources part of a ccwatch config pointing at a running simulator. */
export function simSources(simUrl: string) {
  return [
    { id: 'itnio-sim', vendor: 'itnio', baseUrl: simUrl, secretId: 'ccwatch/sim/itnio', timezone: 'Asia/Shanghai' },
    {
      id: 'huawei-sim',
      vendor: 'huawei',
      baseUrl: simUrl,
      secretId: 'ccwatch/sim/huawei',
      timezone: 'Asia/Shanghai',
      ccId: 1,
      vdn: 170,
      agentIds: ['1001-1004'],
      groups: { hotline: ['1001-1002'], vip: ['1003-1004'] },
    },
    {
      id: 'nxcloud-sim',
      vendor: 'nxcloud',
      baseUrl: simUrl,
      secretId: 'ccwatch/sim/nxcloud',
      timezone: 'Asia/Hong_Kong',
      tenantId: 144,
      windowSec: 60,
    },
  ];
}

/** The embedded default config: the demo scenario's sources with rules an operator might write. */
export function demoConfig(simUrl: string) {
  return {
    sources: simSources(simUrl),
    agentRules: [
      { id: 'long-break', states: ['break'], after: '15m', repeatEvery: '30m', escalateAfter: '60m' },
      { id: 'meal-break', states: ['break'], reasons: ['3'], after: '45m', escalateAfter: '75m', scope: { sources: ['huawei-sim'] } },
      { id: 'on-a-call', states: ['busy', 'wrapup'], after: '30m', escalateAfter: '45m' },
      { id: 'not-ready', states: ['busy'], vendorStates: ['7'], after: '15m', scope: { sources: ['huawei-sim'] } },
      { id: 'stuck-wrapup', states: ['wrapup'], after: '10m', scope: { groups: ['Retention'] } },
    ],
    taskRules: [
      {
        id: 'renewals-abnormal',
        source: 'itnio-sim',
        taskIds: [501],
        abnormalCount: 40,
        abnormalShare: { atLeast: 0.3, minAttempted: 30 },
        growth: { by: 12, within: '10m' },
        escalateAt: { abnormalCount: 80 },
        repeatEvery: '30m',
      },
    ],
    channels: [
      { id: 'supervisors', severities: ['warning', 'critical'], displayName: 'ccwatch', emails: ['floor-leads@acme.example'] },
      { id: 'oncall', severities: ['critical'], displayName: 'ccwatch', sms: ['+8613800138000'] },
    ],
  };
}
