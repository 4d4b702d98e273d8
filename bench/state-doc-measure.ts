// `npx tsx bench/state-doc-measure.ts`: what one source's agent state costs as a compact state
// document versus one item per agent, on DynamoDB Local's consumed capacity. No assertion: the
// figures are printed (stdout) and compared with the goals by people.
// Options: --sizes 1000,10000 --shares 0.01,0.5 --no-baseline --no-compression
import { parseArgs } from 'node:util';
import { brotliCompressSync, brotliDecompressSync, deflateRawSync, gunzipSync, gzipSync, inflateRawSync, constants as zc } from 'node:zlib';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  AGENT_PARTS,
  type AgentSnapshotItem,
  decodeAgents,
  encodeAgents,
  RosterPartSchema,
  StatesPartSchema,
} from '#shared/store/agent-codec';
import { packPart, StateDocStore, unpackPart } from '#shared/store/state-doc';
import { createTableInput } from '#shared/store/table';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { baselineCase, population, tick } from './callcenter';

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
const STEADY_TICKS = 3;
const log = (s: string) => process.stderr.write(`${s}\n`);

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
