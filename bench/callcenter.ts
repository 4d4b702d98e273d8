// A call center, simulated: a population of agents and how their states move, minute by minute,
// without a vendor in between. Used by bench/state-doc-measure.ts (the state document alone) and by
// the churn figure of `npm run bench` (today's per-item layout, measured for real by baselineCase).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AgentItem } from '#shared/model/items';
import { mapLimit } from '#shared/runtime/concurrency';
import type { AgentSnapshotItem } from '#shared/store/agent-codec';
import { Table } from '#shared/store/dynamo';

const MIN = 60_000;
/** Minutes of 50% change a population lives through before it is measured. */
export const WARMUP_TICKS = 30;

/** Deterministic PRNG (mulberry32): the same figures on every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'James',
  'Mary',
  'Robert',
  'Patricia',
  'John',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'William',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Carlos',
  'Maria',
  'Ahmed',
  'Fatima',
  'Olga',
  'Nguyen',
  'Priya',
  'Raj',
  'Sofia',
  'Lucas',
  'Chloé',
  'José',
];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Gonzalez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Perez',
  'Thompson',
  'White',
  'Harris',
  'Sánchez',
  'Clark',
  'Müller',
  'Kowalski',
  'Nakamura',
];
const CN_FAMILY = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'];
const CN_GIVEN = [
  '伟',
  '芳',
  '娜',
  '秀英',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀兰',
  '霞',
  '平',
  '刚',
  '桂英',
  '鹏',
  '华',
];
const GROUPS = [
  'sales-north',
  'sales-south',
  'sales-east',
  'sales-west',
  'support-tier1',
  'support-tier2',
  'support-vip',
  'billing',
  'retention',
  'collections',
  'outbound-a',
  'outbound-b',
  'onboarding',
  'claims',
  'tech-desk',
  'escalations',
  'night-shift',
  'weekend',
  'spanish',
  'mandarin',
];
/** Huawei-like codes: 1 idle, 3 talking, 4 holding, 7 showing busy, 6 wrap-up, 8 rest, 0 signed out. */
const REST = [
  ['1', 'Meal (1)'],
  ['2', 'Training (2)'],
  ['3', 'Restroom (3)'],
  ['4', 'Coaching (4)'],
] as const;
const EPISODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;

function makeAgent(r: () => number, i: number, t0: number): AgentSnapshotItem {
  const name = r() < 0.5 ? `${pick(r, FIRST)} ${pick(r, LAST)}` : `${pick(r, CN_FAMILY)}${pick(r, CN_GIVEN)}`;
  const groups = [pick(r, GROUPS)];
  if (r() < 0.2)
    groups.push(
      pick(
        r,
        GROUPS.filter((g) => g !== groups[0]),
      ),
    );
  const a: AgentSnapshotItem = {
    source: 'hw-main',
    agentId: String(100001 + i),
    name,
    groups,
    state: 'idle',
    vendorState: '1',
    since: t0 - Math.floor(r() * 7200) * 1000,
  };
  if (r() < 0.003) a.missed = 1 + Math.floor(r() * 3);
  return a;
}

/** The next state in the talk / wrap-up / idle / break cycle, with the vendor's code and reason. */
function nextState(r: () => number, a: AgentSnapshotItem): Pick<AgentSnapshotItem, 'state' | 'vendorState' | 'reasonCode' | 'reason'> {
  switch (a.state) {
    case 'offline':
    case 'break':
      return { state: 'idle', vendorState: '1' };
    case 'idle':
      return { state: 'busy', vendorState: pick(r, ['3', '3', '3', '4', '7']) };
    case 'busy':
      return { state: 'wrapup', vendorState: '6' };
    default: {
      const x = r();
      if (x < 0.85) return { state: 'idle', vendorState: '1' };
      if (x < 0.97) {
        const [reasonCode, reason] = pick(r, REST);
        return { state: 'break', vendorState: '8', reasonCode, reason };
      }
      return { state: 'offline', vendorState: '0' };
    }
  }
}

/**
 * Moves `share` of the agents on (as the engine would store them): a new state begins some seconds
 * before the read (the vendor reports time in state; the read's own milliseconds carry over), the
 * rule run follows the state (wrap-up and break share "not-ready", so it spans both), an alert
 * episode opens on a long break or call and closes on the next change.
 */
export function tick(r: () => number, agents: AgentSnapshotItem[], share: number, now: number): number {
  const order = agents.map((_, i) => i);
  const count = Math.round(agents.length * share);
  for (let k = 0; k < count; k++) {
    const j = k + Math.floor(r() * (order.length - k));
    [order[k], order[j]] = [order[j] as number, order[k] as number];
    const a = agents[order[k] as number] as AgentSnapshotItem;
    const next = nextState(r, a);
    const since = now - Math.floor(r() * 50) * 1000;
    const keepsRun = a.run?.ruleId === 'not-ready' && next.state === 'break';
    const run =
      next.state === 'busy'
        ? { ruleId: 'long-call', since }
        : next.state === 'wrapup' || next.state === 'break'
          ? keepsRun
            ? a.run
            : { ruleId: 'not-ready', since }
          : next.state === 'idle' && a.groups[0]!.startsWith('sales')
            ? { ruleId: 'long-idle', since }
            : undefined;
    const { reasonCode: _c, reason: _r, run: _run, episodeId: _e, missed: _m, ...rest } = a;
    agents[order[k] as number] = { ...rest, ...next, since, ...(run ? { run } : {}) };
  }
  for (const a of agents) {
    if (!a.episodeId && a.run && now - a.run.since > (a.state === 'busy' ? 20 : 15) * MIN && a.state !== 'idle') {
      a.episodeId = Array.from({ length: 6 }, () => pick(r, [...EPISODE_ALPHABET])).join('');
    }
  }
  return count;
}

/** A population that has lived through half an hour of busy minutes (times, runs and episodes vary). */
export function population(n: number, t0: number, seed: number): { agents: AgentSnapshotItem[]; now: number; r: () => number } {
  const r = rng(seed);
  const agents = Array.from({ length: n }, (_, i) => makeAgent(r, i, t0));
  let now = t0;
  for (let t = 0; t < WARMUP_TICKS; t++) {
    now += MIN + Math.floor(r() * 1000);
    tick(r, agents, 0.5, now);
  }
  return { agents, now, r };
}

/** The earlier layout: one item per agent, the partition queried, one conditional put per changed agent. */
export async function baselineCase(client: DynamoDBClient, table: string, n: number, share: number): Promise<{ wcu: number; rcu: number }> {
  const store = new Table(client, table);
  const source = `bl-${n}-${share}`;
  const { agents: sim, now: t0, r } = population(n, Date.UTC(2026, 10, 23, 9), n);
  const asItem = (a: AgentSnapshotItem, version: number): AgentItem => {
    const { missed: _m, ...rest } = a;
    return { ...rest, source, version };
  };
  await store.batchPut(sim.map((a) => ({ pk: `SRC#${source}`, sk: `AGENT#${a.agentId}`, type: 'agent', ...asItem(a, 1) })));
  const r0 = store.consumed.read;
  const stored = await store.queryAll(`SRC#${source}`, 'AGENT#');
  const rcu = store.consumed.read - r0;
  const before = sim.map((a) => JSON.stringify(a));
  tick(r, sim, share, t0 + MIN);
  const changed = sim.flatMap((a, i) => (JSON.stringify(a) === before[i] ? [] : [{ item: asItem(a, 2), prevVersion: 1 }]));
  const w0 = store.consumed.write;
  const lost = new Set<string>();
  await mapLimit(changed, 16, async (w) => {
    const ok = await store.putVersioned({ pk: `SRC#${source}`, sk: `AGENT#${w.item.agentId}`, type: 'agent', ...w.item }, w.prevVersion);
    if (!ok) lost.add(w.item.agentId);
  });
  if (lost.size || stored.length !== n) throw new Error(`baseline ${n}: ${lost.size} lost writes, ${stored.length} read`);
  return { wcu: store.consumed.write - w0, rcu };
}
