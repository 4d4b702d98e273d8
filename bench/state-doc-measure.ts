// `npx tsx bench/state-doc-measure.ts`: what one source's agent state costs as a compact state
// document versus one item per agent, on DynamoDB Local's consumed capacity. No assertion: the
// figures are printed (stdout) and compared with the goals by people.
// Options: --sizes 1000,10000 --shares 0.01,0.5 --no-baseline --no-compression
import { parseArgs } from 'node:util';
import { brotliCompressSync, brotliDecompressSync, deflateRawSync, gunzipSync, gzipSync, inflateRawSync, constants as zc } from 'node:zlib';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AgentItem } from '#shared/model/items';
import { mapLimit } from '#shared/runtime/concurrency';
import {
  AGENT_PARTS,
  type AgentSnapshotItem,
  decodeAgents,
  encodeAgents,
  RosterPartSchema,
  StatesPartSchema,
} from '#shared/store/agent-codec';
import { Table } from '#shared/store/dynamo';
import { packPart, StateDocStore, unpackPart } from '#shared/store/state-doc';
import { createTableInput } from '#shared/store/table';
import { startDynamoDbLocal } from '../local/dynamodb-local';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string' },
    shares: { type: 'string' },
    'no-baseline': { type: 'boolean' },
    'no-compression': { type: 'boolean' },
  },
});
const SIZES = (args.sizes ?? '1000,10000,50000').split(',').map(Number);
const SHARES = (args.shares ?? '0.01,0.5').split(',').map(Number);
const MIN = 60_000;
const WARMUP_TICKS = 30;
const STEADY_TICKS = 3;
const log = (s: string) => process.stderr.write(`${s}\n`);

// ---- a call center, simulated ------------------------------------------------------------------

/** Deterministic PRNG (mulberry32): the same figures on every run. */
function rng(seed: number): () => number {
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
function tick(r: () => number, agents: AgentSnapshotItem[], share: number, now: number): number {
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
function population(n: number, t0: number, seed: number): { agents: AgentSnapshotItem[]; now: number; r: () => number } {
  const r = rng(seed);
  const agents = Array.from({ length: n }, (_, i) => makeAgent(r, i, t0));
  let now = t0;
  for (let t = 0; t < WARMUP_TICKS; t++) {
    now += MIN + Math.floor(r() * 1000);
    tick(r, agents, 0.5, now);
  }
  return { agents, now, r };
}

// ---- measuring ---------------------------------------------------------------------------------

/** CPU ms (user + system, all threads of this process) since `from`. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

/** CPU ms (user + system) of a synchronous call: steadier than wall time on a shared machine. */
const time = <T>(fn: () => T): [T, number] => {
  const t = process.cpuUsage();
  const out = fn();
  return [out, cpuMs(t)];
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

/** Sizes and CPU of the candidate compressors on one snapshot's parts (median of 9 runs after a warm-up). */
function compressionTable(n: number): Record<string, string | number>[] {
  const { agents } = population(n, Date.UTC(2026, 10, 23, 9), n);
  const parts = encodeAgents(agents);
  const rows: Record<string, string | number>[] = [];
  const candidates: [string, (b: Buffer) => Buffer, (b: Buffer) => Buffer][] = [
    ['gzip 6', (b) => gzipSync(b, { level: 6 }), (b) => gunzipSync(b)],
    ['deflateRaw 6', (b) => deflateRawSync(b, { level: 6 }), (b) => inflateRawSync(b)],
    ['deflateRaw 9', (b) => deflateRawSync(b, { level: 9 }), (b) => inflateRawSync(b)],
    ...[4, 5, 6, 9].map((q): [string, (b: Buffer) => Buffer, (b: Buffer) => Buffer] => [
      `brotli q${q}`,
      (b) =>
        brotliCompressSync(b, {
          params: { [zc.BROTLI_PARAM_QUALITY]: q, [zc.BROTLI_PARAM_MODE]: zc.BROTLI_MODE_TEXT, [zc.BROTLI_PARAM_SIZE_HINT]: b.length },
        }),
      (b) => brotliDecompressSync(b),
    ]),
  ];
  for (const [name, raw] of [
    ['roster', Buffer.from(JSON.stringify(parts.roster))],
    ['states', Buffer.from(JSON.stringify(parts.states))],
  ] as const) {
    for (const [codec, compress, decompress] of candidates) {
      const packed = compress(raw);
      decompress(packed);
      const cms = median(Array.from({ length: 9 }, () => time(() => compress(raw))[1]));
      const dms = median(Array.from({ length: 9 }, () => time(() => decompress(packed))[1]));
      rows.push({
        agents: n,
        part: name,
        codec,
        jsonKB: kb(raw.length),
        packedKB: kb(packed.length),
        ratio: (raw.length / packed.length).toFixed(1),
        compressMs: cms.toFixed(2),
        decompressMs: dms.toFixed(2),
      });
    }
  }
  return rows;
}

interface Row {
  agents: number;
  changing: string;
  rosterKB: string;
  statesKB: string;
  firstSaveWcu: number;
  tickWcu: number;
  tickRcuCold: number;
  tickRcuWarm: number;
  encodeMs: string;
  decodeMs: string;
  /** The tick as it runs: load + decode, encode + save (unchanged roster only hashed), SDK included. */
  loadCpuMs: string;
  saveCpuMs: string;
  baselineWcu: number | string;
  baselineRcu: number | string;
}

/** CPU of one tick's encode + serialize + compress, and decompress + validate + decode. */
function cpu(agents: AgentSnapshotItem[]): { encodeMs: number; decodeMs: number; rosterBytes: number; statesBytes: number } {
  const [packed, encodeMs] = time(() => {
    const p = encodeAgents(agents);
    return { roster: packPart(p.roster), states: packPart(p.states) };
  });
  const [, decodeMs] = time(() =>
    decodeAgents(
      RosterPartSchema.parse(unpackPart(packed.roster.packed, packed.roster.size)),
      StatesPartSchema.parse(unpackPart(packed.states.packed, packed.states.size)),
    ),
  );
  return { encodeMs, decodeMs, rosterBytes: packed.roster.packed.length, statesBytes: packed.states.packed.length };
}

async function stateDocCase(
  doc: DynamoDBDocumentClient,
  table: string,
  n: number,
  share: number,
): Promise<Omit<Row, 'baselineWcu' | 'baselineRcu'>> {
  const pk = `SRC#bench-${n}-${share}`;
  const { agents: initial, now: t0, r } = population(n, Date.UTC(2026, 10, 23, 9), n);
  let agents = initial;
  let now = t0;
  const meter = { read: 0, write: 0 };
  let store = new StateDocStore(doc, table, meter);
  const before = { ...meter };
  await store.save(pk, 'AGENTS', undefined, { source: 'hw-main' }, encodeAgents(agents), now);
  const firstSaveWcu = meter.write - before.write;
  const reads: { cold: number[]; warm: number[] } = { cold: [], warm: [] };
  const writes: number[] = [];
  const enc: number[] = [];
  const dec: number[] = [];
  const loadCpu: number[] = [];
  const saveCpu: number[] = [];
  let sizes = { rosterBytes: 0, statesBytes: 0 };
  for (let t = 0; t < STEADY_TICKS * 2; t++) {
    // even ticks start in a new store, as a cold Lambda would; odd ones reuse it (warm)
    const cold = t % 2 === 0;
    if (cold) store = new StateDocStore(doc, table, meter);
    const r0 = meter.read;
    let c0 = process.cpuUsage();
    const loaded = await store.load(pk, 'AGENTS', { parts: AGENT_PARTS, now });
    if (!loaded) throw new Error(`${pk}: document not found`);
    agents = decodeAgents(loaded.parts.roster, loaded.parts.states);
    loadCpu.push(cpuMs(c0));
    (cold ? reads.cold : reads.warm).push(meter.read - r0);
    now += MIN + Math.floor(r() * 1000);
    tick(r, agents, share, now);
    const w0 = meter.write;
    c0 = process.cpuUsage();
    if (!(await store.save(pk, 'AGENTS', loaded.version, { source: 'hw-main' }, encodeAgents(agents), now)))
      throw new Error(`${pk}: lost a save with no other writer`);
    saveCpu.push(cpuMs(c0));
    writes.push(meter.write - w0);
    const c = cpu(agents);
    enc.push(c.encodeMs);
    dec.push(c.decodeMs);
    sizes = c;
  }
  return {
    agents: n,
    changing: `${share * 100}%`,
    rosterKB: kb(sizes.rosterBytes),
    statesKB: kb(sizes.statesBytes),
    firstSaveWcu,
    tickWcu: median(writes),
    tickRcuCold: median(reads.cold),
    tickRcuWarm: median(reads.warm),
    encodeMs: median(enc).toFixed(1),
    decodeMs: median(dec).toFixed(1),
    loadCpuMs: median(loadCpu).toFixed(1),
    saveCpuMs: median(saveCpu).toFixed(1),
  };
}

/** The earlier layout: one item per agent, the partition queried, one conditional put per changed agent. */
async function baselineCase(client: DynamoDBClient, table: string, n: number, share: number): Promise<{ wcu: number; rcu: number }> {
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

async function main(): Promise<void> {
  if (!args['no-compression']) {
    log('compressors...');
    const rows = [10_000, 50_000].filter((n) => SIZES.includes(n)).flatMap(compressionTable);
    console.log('\nCompression of the encoded parts (JSON columns), after 30 minutes at 50% change; CPU ms, median of 9 runs:');
    console.table(rows);
  }
  const ddb = await startDynamoDbLocal();
  const client = new DynamoDBClient({
    endpoint: ddb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const table = 'state-doc-bench';
  await client.send(new CreateTableCommand(createTableInput(table)));
  const rows: Row[] = [];
  try {
    for (const n of SIZES) {
      for (const share of SHARES) {
        log(`state doc ${n} agents, ${share * 100}% changing...`);
        const row = await stateDocCase(doc, table, n, share);
        log(`baseline ${n} agents, ${share * 100}% changing...`);
        const base = args['no-baseline'] ? undefined : await baselineCase(client, table, n, share);
        rows.push({ ...row, baselineWcu: base?.wcu ?? '-', baselineRcu: base?.rcu ?? '-' });
      }
    }
  } finally {
    client.destroy();
    await ddb.stop();
  }
  console.log(
    '\nOne steady tick (load + save) of one source; capacity units as DynamoDB Local reports them; CPU ms: encode/decodeMs = codec + JSON + brotli of both parts, load/saveCpuMs = the tick’s calls as run (SDK included, unchanged roster hashed not compressed); medians of 6 ticks:',
  );
  console.table(rows);
}

await main();
