// `npx tsx bench/fleet.ts [--small]`: the fleet of the scale issue, run as the fan-out engine runs
// it: one source stage per stage unit (a source, or one shard of a source: shared/run/units.ts),
// each in its own process (one stage per process, like a Lambda invocation; at most 2 at a time on
// this 2-core machine), then the publish stage in this process with every stage's report. 200
// ITNIO sources of 5,000 agents and one NXCloud tenant of 50,000 split into 4 shards of ~12,500
// (`--small`: 20 ITNIO sources and a 5,000-agent NX tenant in 2 shards, a quick check), every
// simulator answer 50 ms late. A warm tick is measured: a first tick stores every snapshot, then
// the second tick, with ~10% of the agents changing state and one agent per ITNIO source crossing
// an alert threshold, is the one reported; the NX shards are then run once more at that tick with
// no deadline (a retry: what they need). Prints per-stage and per-shard CPU and wall figures, the
// Lambda wall they project to at 512 / 1024 / 1769 MB, and the monthly cost at one tick a minute
// at the deployed memory (cdk/bundling.ts FUNCTION_MEMORY_MB; the others for comparison); writes
// them to bench/fleet-results.json (`--small` writes to the temp dir instead, keeping the recorded
// run).
//
// The simulator serves one ITNIO tenant per instance (one credential pair, one agent list), so the
// 200 ITNIO sources are 200 source ids reading the same 5,000-agent population from one simulator:
// every source does the full work of its own tenant (same pages, same signing, its own state
// document), which is what the time and cost figures need.
//
// Workers run a bundle of this file (esbuild, like the deployed functions) so a worker's start is
// not tsx compiling TypeScript; `--worker <job.json>` is that internal mode (the job names a stage
// unit's key, "itnio-001" or "nx-tenant:2/4", found with stageUnits as the handler finds it).

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { parseConfig } from '#shared/config/parse';
import { FN } from '#shared/contracts/names';
import type { AgentState } from '#shared/model/agent';
import { SnsPublisher } from '#shared/notify/publishers';
import { FUNCTIONS } from '#shared/run/functions';
import { runPublishStage, runSourceStage, type SourceResult } from '#shared/run/tick';
import { budgetFor, type CoreDeps } from '#shared/run/types';
import { stageUnits } from '#shared/run/units';
import { mapLimit } from '#shared/runtime/concurrency';
import type { Log } from '#shared/runtime/log';
import { Store } from '#shared/store/store';
import { createTableInput } from '#shared/store/table';
import { ReaderPool } from '#shared/vendors/readers';
import { FUNCTION_MEMORY_MB, HEAP_CAP_FLAG } from '../cdk/bundling';

const { values: args } = parseArgs({
  options: {
    small: { type: 'boolean' },
    /** Internal: run one source stage (a stage unit) from this job file and print what it cost. */
    worker: { type: 'string' },
  },
});

const MIN = 60_000;
const LATENCY_MS = 50;
const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const CREDS = { itnio: { apiKey: 'f-key', apiSecret: 'f-secret' }, nxcloud: { accessKey: 'f-nx', accessSecret: 'f-nx-secret' } };
const CHANNELS = [
  { id: 'supervisors', severities: ['warning', 'critical'] },
  { id: 'oncall', severities: ['critical'] },
];
const TOPICS = { supervisors: 'arn:aws:sns:local:0:fleet-sup', oncall: 'arn:aws:sns:local:0:fleet-oncall' };
/** A source stage's Lambda timeout at a 1-minute schedule: 0.75 x (60 - 5) s; the handler keeps 2 s. */
const STAGE_TIMEOUT_MS = Math.floor(0.75 * 55) * 1000;
const STAGE_BUDGET_MS = STAGE_TIMEOUT_MS - 2_000;
/** The Map state's maxConcurrency (cdk/constructs/scheduled-function.ts SOURCE_STAGES_IN_FLIGHT). */
const MAP_IN_FLIGHT = 40;
/** Where a stage's reads are cut under that budget (ms from its start). */
const STAGE_READS_END_MS = budgetFor(0, STAGE_BUDGET_MS).readsEndAt;
/** A source stage's read deadline at a schedule of `every` minutes (the stack's timeout, less the handler's 2 s). */
const readsEndAtSchedule = (every: number) => budgetFor(0, Math.floor(0.75 * Math.min(every * 60 - 5, 300)) * 1000 - 2_000).readsEndAt;
const WORKERS_AT_ONCE = 2;
/** NX shards run one at a time (see nxStages); FLEET_NX_AT_ONCE=2 runs them as the earlier bench did. */
const NX_AT_ONCE = Number(process.env.FLEET_NX_AT_ONCE ?? 1);
/** The memories projected: 512 MB, the deployed FUNCTION_MEMORY_MB (1,024) and 1,769 MB (one vCPU). */
const MEMORIES: readonly number[] = [...new Set([512, 1024, 1769, FUNCTION_MEMORY_MB])].sort((a, b) => a - b);

const PRICES = {
  lambdaGbSecondArm64: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  sfnExpressPerMillionRequests: 1.0,
  sfnExpressGbSecond: 0.00001667,
  sfnExpressMemoryStepMb: 64,
  ddbPerMillionWriteUnits: 0.625,
  ddbPerMillionReadUnits: 0.125,
  snsPerMillionPublishes: 0.5,
  ticksPerMonth: 43_200,
};

interface Job {
  ddbEndpoint: string;
  snsEndpoint: string;
  table: string;
  secrets: Record<string, unknown>;
  config: Record<string, unknown>;
  /** The stage unit's key: a source id, or a shard's ("nx-tenant:2/4"). */
  unit: string;
  tick: string;
  now: number;
  budgetMs: number;
}

interface WorkerOut {
  /** The stage unit's key. */
  source: string;
  result: SourceResult;
  /** The stage alone (after imports and clients, as a warm Lambda's handler). */
  cpuMs: number;
  userMs: number;
  sysMs: number;
  wallMs: number;
  /** Imports, clients and config parsing before the stage (a cold start's init). */
  initCpuMs: number;
  wcu: number;
  rcu: number;
  maxRssMb: number;
  budget: { readsEndMs: number; publishMs: number; endsMs: number };
  logs: string[];
}

function collectingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const put = (level: string) => (message: string, extra: Record<string, unknown>) =>
    void lines.push(`${level} ${message} ${JSON.stringify(extra).slice(0, 400)}`);
  return { lines, debug() {}, info() {}, warn: put('warn'), error: put('error') };
}

// ---- worker: one source stage in this process ------------------------------------------------

async function worker(file: string): Promise<void> {
  const job: Job = JSON.parse(readFileSync(file, 'utf8'));
  const ddb = new DynamoDBClient({ endpoint: job.ddbEndpoint, ...LOCAL });
  const sns = new SNSClient({ endpoint: job.snsEndpoint, ...LOCAL });
  const store = new Store(ddb, job.table);
  const readers = new ReaderPool(async (id) => job.secrets[id]);
  const log = collectingLog();
  const deps: CoreDeps = { store, publisher: new SnsPublisher(sns, TOPICS), readers, log };
  const config = parseConfig(job.config, 'fleet');
  const def = FUNCTIONS[FN.agentStatus];
  const sources = def.sources(config);
  // as shared/runtime/handler.ts finds a `{ stage: 'source', source: key }` event's unit
  const unit = stageUnits(sources).find((u) => u.key === job.unit);
  if (!unit) throw new Error(`no stage unit ${job.unit}`);
  const init = process.cpuUsage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const startedAt = Date.now();
  const budget = budgetFor(startedAt, job.budgetMs);
  const opts = { fn: def.fn, sources, config, tick: job.tick, now: job.now, deps, budget };
  const result = await runSourceStage(opts, unit.source, def.pass(unit.source, config, job.now, deps, unit.shard), unit.shard);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await readers.closeAll();
  ddb.destroy();
  sns.destroy();
  const out: WorkerOut = {
    source: unit.key,
    result,
    cpuMs: (cpu.user + cpu.system) / 1000,
    userMs: cpu.user / 1000,
    sysMs: cpu.system / 1000,
    wallMs,
    initCpuMs: (init.user + init.system) / 1000,
    wcu: store.consumed.write,
    rcu: store.consumed.read,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    budget: { readsEndMs: budget.readsEndAt - startedAt, publishMs: budget.publishAt - startedAt, endsMs: budget.endsAt - startedAt },
    logs: log.lines.slice(0, 20),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  // a read still running past its deadline would keep the process alive; a Lambda is frozen here
  process.exit(0);
}

// ---- the bench ---------------------------------------------------------------------------------

const say = (s: string) => process.stderr.write(`${s}\n`);
const r0 = (n: number) => Math.round(n);
const r2 = (n: number) => Math.round(n * 100) / 100;

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? 0;
  return { n: s.length, min: s[0] ?? 0, median: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? 0 };
}

/** Lambda's CPU share at a memory size: 1,769 MB is one vCPU; one thread uses at most one. */
const cpuShare = (mb: number) => Math.min(1, mb / 1769);
/** A stage's wall on Lambda: the measured wall, or its CPU at the memory's share if that is longer. */
const projectedWall = (wallMs: number, cpuMs: number, mb: number) => Math.max(wallMs, cpuMs / cpuShare(mb));

async function main(): Promise<void> {
  const small = Boolean(args.small);
  const { build } = await import('esbuild');
  const { startDynamoDbLocal } = await import('../local/dynamodb-local');
  const { SnsEndpoint } = await import('../local/sns-endpoint');
  const { generateAgents } = await import('#simulator/population');
  const { VendorSimulator } = await import('#simulator/server');

  const ITNIO_SOURCES = small ? 20 : 200;
  const ITNIO_AGENTS = 5_000;
  const NX_AGENTS = small ? 5_000 : 50_000;
  /** The NX tenant's shards: a source stage each (12,500 agents each in the full fleet). */
  const NX_SHARDS = small ? 2 : 4;
  const NX_CONCURRENCY = 64;
  const CHANGE_SHARE = 0.1;
  const started = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), 'ccwatch-fleet-'));
  const run = promisify(execFile);

  // the worker: this file bundled as the deployed functions are (node22 ESM, minified)
  const bundle = join(tmp, 'fleet.mjs');
  await build({
    entryPoints: ['bench/fleet.ts'],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    mainFields: ['module', 'main'],
    // the bench's own tooling stays out: the worker never reaches it
    external: ['esbuild'],
    banner: { js: "import { createRequire as __fleetRequire } from 'node:module'; const require = __fleetRequire(import.meta.url);" },
    logLevel: 'error',
  });

  const t1 = Date.UTC(2026, 10, 23, 9, 0);
  const t2 = t1 + MIN;
  let now = t1;
  const itnioAgents = generateAgents({ count: ITNIO_AGENTS, t0: t1 - 60 * MIN });
  const nxAgents = generateAgents({ count: NX_AGENTS, t0: t1 - 60 * MIN, idPrefix: 'nx' });
  // one agent per ITNIO source (the same one: the sources share the population) is on break from
  // before the first tick; ITNIO gives no time in state, so it counts from its first observation
  // and crosses the 1 min break rule in the measured tick: one alert step per ITNIO source
  itnioAgents[ITNIO_AGENTS - 1]!.timeline.push({ at: t1 - 5 * MIN, state: 'break' });
  const sim = await new VendorSimulator({
    population: {
      itnio: { ...CREDS.itnio, agents: itnioAgents, tasks: [] },
      nxcloud: { ...CREDS.nxcloud, tenantId: 144, agents: nxAgents },
    },
    clock: () => now,
    latencyMs: LATENCY_MS,
    logLimit: 0,
  }).start();
  const ddbLocal = await startDynamoDbLocal();
  const snsEndpoint = await new SnsEndpoint().start();
  const table = 'fleet';
  {
    const c = new DynamoDBClient({ endpoint: ddbLocal.endpoint, ...LOCAL });
    await c.send(new CreateTableCommand(createTableInput(table)));
    c.destroy();
  }
  const itnioIds = Array.from({ length: ITNIO_SOURCES }, (_, i) => `itnio-${String(i + 1).padStart(3, '0')}`);
  const NX_ID = 'nx-tenant';
  const rawConfig = {
    sources: [
      ...itnioIds.map((id) => ({ id, vendor: 'itnio', baseUrl: sim.url, secretId: 'fleet/itnio' })),
      {
        id: NX_ID,
        vendor: 'nxcloud',
        baseUrl: sim.url,
        secretId: 'fleet/nx',
        tenantId: 144,
        shards: NX_SHARDS,
        http: { concurrency: NX_CONCURRENCY },
      },
    ],
    agentRules: [{ id: 'break', states: ['break'], after: '1m' }],
    channels: CHANNELS,
    schedule: { every: '1m' },
  };
  const secrets = { 'fleet/itnio': CREDS.itnio, 'fleet/nx': CREDS.nxcloud };
  const config = parseConfig(rawConfig, 'fleet');
  const def = FUNCTIONS[FN.agentStatus];
  const sources = def.sources(config);
  // the fan-out engine's items: one per ITNIO source, one per NX shard ("nx-tenant:2/4")
  const units = stageUnits(sources);
  const nxKeys = units.filter((u) => u.source.id === NX_ID).map((u) => u.key);
  if (nxKeys.length !== NX_SHARDS) throw new Error(`expected ${NX_SHARDS} NX stage units, got ${nxKeys.join(', ')}`);

  const stage = async (unit: string, budgetMs: number): Promise<WorkerOut> => {
    const file = join(tmp, `job-${unit.replace(/[^\w-]/g, '_')}-${now}-${budgetMs}.json`);
    const job: Job = {
      ddbEndpoint: ddbLocal.endpoint,
      snsEndpoint: snsEndpoint.endpoint,
      table,
      secrets,
      config: rawConfig,
      unit,
      tick: new Date(now).toISOString(),
      now,
      budgetMs,
    };
    writeFileSync(file, JSON.stringify(job));
    const { stdout } = await run(process.execPath, [HEAP_CAP_FLAG, bundle, '--worker', file], { maxBuffer: 1 << 26 });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  };
  /**
   * The NX shards as separate stages (the Map runs them in parallel, each on a Lambda of its own),
   * NX_AT_ONCE at a time: one, so that a shard has a core to itself, as on Lambda, and the simulator
   * (on AWS the vendor's servers) the other. Two at once shared two cores three ways with the
   * simulator answering both, and no shard ever met its window (issue 13's earlier runs).
   */
  const nxStages = (budgetMs: number) => mapLimit(nxKeys, NX_AT_ONCE, (key) => stage(key, budgetMs));
  const storeHere = () => new Store(new DynamoDBClient({ endpoint: ddbLocal.endpoint, ...LOCAL }), table);
  const depsHere = (store: Store, log: Log): CoreDeps => ({
    store,
    publisher: new SnsPublisher(new SNSClient({ endpoint: snsEndpoint.endpoint, ...LOCAL }), TOPICS),
    readers: new ReaderPool(async (id) => secrets[id as keyof typeof secrets]),
    log,
  });

  try {
    say(
      `fleet: ${ITNIO_SOURCES} ITNIO sources x ${ITNIO_AGENTS} agents + NXCloud ${NX_AGENTS} in ${NX_SHARDS} shards; simulator +${LATENCY_MS} ms`,
    );
    // ---- tick 1: every snapshot stored (not measured; ITNIO in this process, the NX shards in
    // workers WORKERS_AT_ONCE at a time, no deadline)
    say('tick 1 (warm-up: all new)...');
    const warmStart = performance.now();
    const warmLog = collectingLog();
    const warmDeps = depsHere(storeHere(), warmLog);
    const warmOpts = {
      fn: def.fn,
      sources,
      config,
      tick: new Date(now).toISOString(),
      now,
      deps: warmDeps,
      budget: budgetFor(Date.now(), 600_000),
    };
    const [warmItnio, warmNx] = await Promise.all([
      mapLimit(
        units.filter((u) => u.source.id !== NX_ID),
        8,
        (u) => runSourceStage(warmOpts, u.source, def.pass(u.source, config, now, warmDeps, u.shard), u.shard),
      ),
      nxStages(600_000),
    ]);
    const warmResults = [...warmItnio, ...warmNx.map((w) => w.result)];
    const warmBad = warmResults.filter((r) => r.outcome.status !== 'ok');
    if (warmBad.length) throw new Error(`warm-up tick: ${warmBad.map((r) => `${r.source} ${r.outcome.error}`).join('; ')}`);
    await runPublishStage({ fn: def.fn, config, now, deps: warmDeps, sources, results: warmResults });
    await warmDeps.readers.closeAll();
    say(
      `  done in ${r0((performance.now() - warmStart) / 1000)} s (NX shards ${warmNx.map((w) => `${w.source} ${r0(w.wallMs / 1000)} s`).join(', ')}, no deadline)`,
    );

    // ---- between ticks: ~10% of the agents change state
    // (ITNIO: first seen in the new state now, so below the rule's minute; NX: no break, since NX
    // reports a whole window of the state and would alert at once)
    const cycle: AgentState[] = ['busy', 'wrapup', 'break'];
    const itnioChanged = Math.round(ITNIO_AGENTS * CHANGE_SHARE);
    for (let i = 0; i < itnioChanged; i++) itnioAgents[i]!.timeline.push({ at: t2 - 30_000, state: cycle[i % 3]! });
    // NX infers a state from a whole window of durations: the change starts with the window
    const nxChanged = Math.round(NX_AGENTS * CHANGE_SHARE);
    for (let i = 0; i < nxChanged; i++) nxAgents[i]!.timeline.push({ at: t1 + 1, state: cycle[i % 2]! });

    // ---- tick 2, measured: one stage per process, 2 at a time; then publish here
    now = t2;
    say(`tick 2 (measured): ${ITNIO_SOURCES} ITNIO stages, ${WORKERS_AT_ONCE} at a time...`);
    const tickStart = performance.now();
    let done = 0;
    const itnio = await mapLimit(itnioIds, WORKERS_AT_ONCE, async (id) => {
      const out = await stage(id, STAGE_BUDGET_MS);
      if (++done % 20 === 0) say(`  ${done}/${ITNIO_SOURCES}`);
      return out;
    });
    say(`  NX: ${NX_SHARDS} shard stages, ${NX_AT_ONCE} at a time...`);
    const nx = await nxStages(STAGE_BUDGET_MS);
    say(`  NX: ${nx.map((w) => `${w.source} ${w.result.outcome.status} in ${r0(w.wallMs)} ms`).join(', ')}`);
    const published = snsEndpoint.published.length;
    const pubLog = collectingLog();
    const pubStore = storeHere();
    const pubDeps = depsHere(pubStore, pubLog);
    // every stage's report, every NX shard's among them (as the Map hands them to the publish step)
    const stageResults: SourceResult[] = JSON.parse(JSON.stringify([...itnio, ...nx].map((w) => w.result)));
    const pubCpu0 = process.cpuUsage();
    const pubT0 = performance.now();
    const pub = await runPublishStage({ fn: def.fn, config, now, deps: pubDeps, sources, results: stageResults });
    const pubWallMs = performance.now() - pubT0;
    const pubCpu = process.cpuUsage(pubCpu0);
    const publishes = snsEndpoint.published.length - published;
    const tickSec = (performance.now() - tickStart) / 1000;

    // ---- the NX shards again at the same tick with no deadline: what they would need (a shard the
    // budgeted run stored is re-read against the state it stored: the same reads, no changes to write)
    say(`NX shards with no deadline (a retry of tick 2), ${NX_AT_ONCE} at a time...`);
    const nxFree = await nxStages(600_000);
    say(`  NX: ${nxFree.map((w) => `${w.source} ${w.result.outcome.status} in ${r0(w.wallMs)} ms`).join(', ')}`);

    // ---- figures
    const okItnio = itnio.filter((w) => w.result.outcome.status === 'ok');
    const cpuStats = stats(itnio.map((w) => w.cpuMs));
    const wallStats = stats(itnio.map((w) => w.wallMs));
    const slowest = byWall([...itnio, ...nx]);
    const slowestItnio = byWall(itnio);
    const slowestNx = byWall(nx);
    const slowestNxFree = byWall(nxFree);
    /** The slowest NX shard on Lambda at a memory: the largest projected wall among the shards. */
    const nxSlowestAt = (ws: WorkerOut[], mb: number) => Math.max(...ws.map((w) => projectedWall(w.wallMs, w.cpuMs, mb)));
    const itnioAgentsRead = okItnio.reduce((s, w) => s + (w.result.outcome.agents ?? 0), 0);
    const cpuPerAgentMs = okItnio.reduce((s, w) => s + w.cpuMs, 0) / Math.max(1, itnioAgentsRead);
    const consumed = {
      itnioStages: { write: sum(itnio.map((w) => w.wcu)), read: sum(itnio.map((w) => w.rcu)) },
      nxShards: { write: sum(nx.map((w) => w.wcu)), read: sum(nx.map((w) => w.rcu)) },
      publish: { write: pubStore.consumed.write, read: pubStore.consumed.read },
    };
    const tickUnits = {
      write: consumed.itnioStages.write + consumed.nxShards.write + consumed.publish.write,
      read: consumed.itnioStages.read + consumed.nxShards.read + consumed.publish.read,
    };
    // per agent: the ITNIO stages' units with the publish stage's share of their stage units
    const pubShare = ITNIO_SOURCES / units.length;
    const wcuPerAgent = (consumed.itnioStages.write + consumed.publish.write * pubShare) / (ITNIO_SOURCES * ITNIO_AGENTS);
    const rcuPerAgent = (consumed.itnioStages.read + consumed.publish.read * pubShare) / (ITNIO_SOURCES * ITNIO_AGENTS);
    const pubCpuMs = (pubCpu.user + pubCpu.system) / 1000;

    const row = (name: string, xs: number[]) => {
      const s = stats(xs);
      return { figure: name, n: s.n, min: r0(s.min), median: r0(s.median), p95: r0(s.p95), max: r0(s.max) };
    };
    const perWorker = [
      row(
        'ITNIO stage CPU ms',
        itnio.map((w) => w.cpuMs),
      ),
      row(
        'ITNIO stage wall ms',
        itnio.map((w) => w.wallMs),
      ),
      row(
        'ITNIO stage read ms',
        itnio.map((w) => w.result.outcome.readMs ?? 0),
      ),
      row(
        'ITNIO stage store ms',
        itnio.map((w) => w.result.outcome.storeMs ?? 0),
      ),
      row(
        'ITNIO worker init CPU ms (cold start)',
        itnio.map((w) => w.initCpuMs),
      ),
      row(
        'ITNIO worker peak RSS MB',
        itnio.map((w) => w.maxRssMb),
      ),
      row(
        'NX shard agents read',
        nx.map((w) => w.result.outcome.agents ?? 0),
      ),
      row(
        `NX shard CPU ms (${STAGE_BUDGET_MS / 1000} s budget)`,
        nx.map((w) => w.cpuMs),
      ),
      row(
        `NX shard wall ms (${STAGE_BUDGET_MS / 1000} s budget)`,
        nx.map((w) => w.wallMs),
      ),
      row(
        `NX shard read ms (${STAGE_BUDGET_MS / 1000} s budget; shards that read)`,
        nx.flatMap((w) => w.result.outcome.readMs ?? []),
      ),
      row(
        `NX shard peak RSS MB (${STAGE_BUDGET_MS / 1000} s budget)`,
        nx.map((w) => w.maxRssMb),
      ),
      row(
        'NX shard CPU ms (no deadline)',
        nxFree.map((w) => w.cpuMs),
      ),
      row(
        'NX shard wall ms (no deadline)',
        nxFree.map((w) => w.wallMs),
      ),
      row(
        'NX shard peak RSS MB (no deadline)',
        nxFree.map((w) => w.maxRssMb),
      ),
    ];

    // each NX shard: the measured tick (budgeted) and the no-deadline retry
    const nxShardRows = nx.map((b, i) => {
      const f = nxFree[i]!;
      return {
        shard: b.source,
        status: statusOf(b),
        agents: b.result.outcome.agents ?? 0,
        'CPU ms': r0(b.cpuMs),
        'wall ms': r0(b.wallMs),
        'read ms': b.result.outcome.readMs ?? '-',
        'RSS MB': r0(b.maxRssMb),
        [`${FUNCTION_MEMORY_MB} MB wall ms`]: r0(projectedWall(b.wallMs, b.cpuMs, FUNCTION_MEMORY_MB)),
        'retry status': statusOf(f),
        'retry CPU ms': r0(f.cpuMs),
        'retry wall ms': r0(f.wallMs),
        'retry RSS MB': r0(f.maxRssMb),
      };
    });

    const budgetRows = [
      { stage: `slowest ITNIO (${slowestItnio.source})`, w: slowestItnio },
      { stage: `slowest NX shard (${slowestNx.source}, ${STAGE_BUDGET_MS / 1000} s budget)`, w: slowestNx },
      { stage: `slowest NX shard (${slowestNxFree.source}, no deadline)`, w: slowestNxFree },
    ].map(({ stage: name, w }) => ({
      stage: name,
      status: statusOf(w),
      'agents read': w.result.outcome.agents ?? 0,
      'CPU ms': r0(w.cpuMs),
      'wall ms': r0(w.wallMs),
      'read ms': w.result.outcome.readMs ?? '-',
      'reads end ms': STAGE_READS_END_MS,
      'budget end ms': STAGE_BUDGET_MS,
      'Lambda timeout ms': STAGE_TIMEOUT_MS,
      ...Object.fromEntries(
        MEMORIES.map((mb) => {
          const p = projectedWall(w.wallMs, w.cpuMs, mb);
          return [`${mb} MB wall ms`, `${r0(p)}${p > STAGE_BUDGET_MS ? ' OVER' : ''}`];
        }),
      ),
    }));

    const projected = MEMORIES.map((mb) => ({
      memory: `${mb} MB`,
      'vCPU share': r2(cpuShare(mb)),
      'ITNIO median wall ms': r0(projectedWall(wallStats.median, cpuStats.median, mb)),
      'ITNIO p95 wall ms': r0(projectedWall(wallStats.p95, cpuStats.p95, mb)),
      'ITNIO max wall ms': r0(projectedWall(wallStats.max, cpuStats.max, mb)),
      'NX slowest shard wall ms (budget)': r0(nxSlowestAt(nx, mb)),
      'NX slowest shard wall ms (no deadline)': r0(nxSlowestAt(nxFree, mb)),
      'publish wall ms': r0(projectedWall(pubWallMs, pubCpuMs, mb)),
    }));

    // ---- cost at one tick a minute, ITNIO-shaped: sources of 5,000 agents
    const cost = (agents: number, mb: number) => {
      const stages = Math.ceil(agents / ITNIO_AGENTS);
      const stageCpu = cpuPerAgentMs * ITNIO_AGENTS;
      const stageWall = projectedWall(wallStats.median, stageCpu, mb);
      const pubScale = stages / units.length;
      const publishWall = projectedWall(pubWallMs * pubScale, pubCpuMs * pubScale, mb);
      const gb = mb / 1024;
      const lambdaGbS = ((stages * stageWall + publishWall) / 1000) * gb;
      const lambdaReq = stages + 1;
      const execMs = Math.ceil(stages / MAP_IN_FLIGHT) * stageWall + publishWall;
      const sfnGbS = (execMs / 1000) * (PRICES.sfnExpressMemoryStepMb / 1024);
      const wcu = agents * wcuPerAgent;
      const rcu = agents * rcuPerAgent;
      const m = PRICES.ticksPerMonth;
      const lambda = m * (lambdaGbS * PRICES.lambdaGbSecondArm64 + (lambdaReq * PRICES.lambdaPerMillionRequests) / 1e6);
      const sfn = m * (PRICES.sfnExpressPerMillionRequests / 1e6 + sfnGbS * PRICES.sfnExpressGbSecond);
      const ddb = m * ((wcu * PRICES.ddbPerMillionWriteUnits) / 1e6 + (rcu * PRICES.ddbPerMillionReadUnits) / 1e6);
      const sns = (m * publishes * PRICES.snsPerMillionPublishes) / 1e6;
      return {
        agents,
        memory: `${mb} MB`,
        'source stages': stages,
        'stage wall ms': r0(stageWall),
        'execution ms': r0(execMs),
        'WCU/tick': r0(wcu),
        'RCU/tick': r0(rcu),
        'Lambda $': r2(lambda),
        'Step Functions $': r2(sfn),
        'DynamoDB $': r2(ddb),
        'SNS $': r2(sns),
        'total $/month': r2(lambda + sfn + ddb + sns),
      };
    };
    const costs = [10_000, 100_000, 1_000_000].flatMap((n) => MEMORIES.map((mb) => cost(n, mb)));

    const errors = [
      ...[...itnio, ...nx]
        .filter((w) => w.result.outcome.status !== 'ok')
        .map((w) => `${w.source}: ${w.result.outcome.status} ${w.result.outcome.error ?? ''}`),
      ...nxFree
        .filter((w) => w.result.outcome.status !== 'ok')
        .map((w) => `${w.source} (no deadline): ${w.result.outcome.status} ${w.result.outcome.error ?? ''}`),
      ...[...itnio, ...nx].flatMap((w) => w.logs.map((l) => `${w.source}: ${l}`)),
      ...nxFree.flatMap((w) => w.logs.map((l) => `${w.source} (no deadline): ${l}`)),
      ...pubLog.lines.map((l) => `publish: ${l}`),
      ...(pub.failedChannels.length ? [`publish failed channels: ${pub.failedChannels.join(', ')}`] : []),
    ];
    const changes = stats(okItnio.map((w) => w.result.outcome.changes ?? 0));

    const assumptions = [
      `Fleet: ${ITNIO_SOURCES} ITNIO source ids reading one simulated 5,000-agent ITNIO tenant (the simulator serves one ITNIO tenant per instance), plus one NXCloud tenant of ${NX_AGENTS} agents configured with shards: ${NX_SHARDS} (http.concurrency ${NX_CONCURRENCY}, windowSec 60): ${units.length} stage units (${nxKeys.join(', ')} split the tenant by agent-id hash: ${nxFree.map((w) => w.result.outcome.agents ?? 0).join(' / ')} agents as the no-deadline retry read them). Each NX shard pages the tenant's whole agent list (${Math.ceil(NX_AGENTS / 200)} pages of 200) and then sends one status request per agent of its own. Every simulator answer is ${LATENCY_MS} ms late.`,
      `Measured tick: the second tick, snapshots stored by the first; ${CHANGE_SHARE * 100}% of each tenant's agents changed state (ITNIO median ${changes.median} changes per source), and one agent per ITNIO source crossed the 1 min break rule (${ITNIO_SOURCES} alert steps; ITNIO reports no time in state, so time counts from the first observation).`,
      `Each source stage (stage unit) ran in its own fresh Node process (esbuild bundle of this file, ${HEAP_CAP_FLAG}), ${WORKERS_AT_ONCE} at a time on a ${WORKERS_AT_ONCE}-core machine shared with DynamoDB Local (JVM) and the simulator (which answers every shard's requests from the bench's own process); the ${NX_SHARDS} NX shards ran after the ITNIO stages, ${NX_AT_ONCE} at a time (one: a core of its own, as each has on Lambda, the simulator on the other; the Map runs them in parallel). The machine also ran other work, so figures are noisy. CPU is process.cpuUsage() over the stage only (imports and clients excluded); it includes first-run JIT, so it is pessimistic for a warm Lambda container.`,
      `Stage budget: budgetFor(start, ${STAGE_TIMEOUT_MS} - 2000) = reads end at ${STAGE_READS_END_MS} ms, publish reserve from ${nx[0]!.budget.publishMs} ms, end ${STAGE_BUDGET_MS} ms; the Lambda timeout is 0.75 x 55 s = ${STAGE_TIMEOUT_MS} ms.`,
      `NX no-deadline retry: the ${NX_SHARDS} shards run again at the measured tick with a 600 s budget, after the publish stage; a shard the budgeted run stored is re-read against the state it stored (the same reads and signing, no changes to write), so its figure is what the shard needs, less the writes of a changed tick.`,
      'Projected Lambda wall = max(measured wall, CPU / share), share = memory / 1769 MB (one thread: at most 1 vCPU). Local network to the simulator and DynamoDB Local is faster than AWS, except for the 50 ms added latency.',
      `Publish stage: in this process with the ${units.length} stage reports (${ITNIO_SOURCES} ITNIO stages and ${NX_SHARDS} NX shards; it reads every stage unit's state and health); its wall and CPU are scaled linearly by stage count in the cost projection.`,
      `Cost scaling: ITNIO-shaped sources of ${ITNIO_AGENTS} agents (agents / ${ITNIO_AGENTS} source stages), each costing the measured ITNIO CPU per agent (${r2(cpuPerAgentMs * 1000)} us) x ${ITNIO_AGENTS} and at least the median measured stage wall (${r0(wallStats.median)} ms: the vendor's latency). The NX tenant is not in the scaled figures.`,
      `Lambda: $${PRICES.lambdaGbSecondArm64} per GB-s (arm64, 1 ms billing), $${PRICES.lambdaPerMillionRequests} per million requests; ${'(agents / 5000) + 1'} invocations per tick; cold-start init, free tier and CloudWatch Logs ingestion (the state machine logs at level ALL) are not counted.`,
      `Step Functions Express: $${PRICES.sfnExpressPerMillionRequests} per million executions (one per tick) + $${PRICES.sfnExpressGbSecond} per GB-s at ${PRICES.sfnExpressMemoryStepMb} MB (the smallest step; a tick's state is far below it) for the execution's duration = ceil(stages / ${MAP_IN_FLIGHT} in flight) x stage wall + publish wall.`,
      `DynamoDB on-demand: $${PRICES.ddbPerMillionWriteUnits} per million write units, $${PRICES.ddbPerMillionReadUnits} per million read units, at the measured units per agent (${r2(wcuPerAgent * 1000)} WCU and ${r2(rcuPerAgent * 1000)} RCU per 1,000 agents per tick, at this churn and alert rate; DynamoDB Local's reported consumed capacity). A source's snapshot is a compressed roster (rewritten only when agents join or leave) plus a compressed states part: with a synthetic population and only two ticks of history that part compresses better than a day of real churn would, so write units here are a lower bound. The publish stage's writes are its delivery records: each state document with an outbox entry has its head rewritten (~3 units each here, as much as the source stage's save), so a tick where every source has an alert step costs about twice the writes of a quiet one; this tick had one alert step per ITNIO source every tick, which is pessimistic. Storage not counted.`,
      `SNS: ${publishes} publish(es) per tick as measured (one digest per channel with alerts), every tick, x $${PRICES.snsPerMillionPublishes} per million; deliveries (email, SMS) are priced separately and not counted.`,
      `${PRICES.ticksPerMonth} ticks a month (one a minute, 30 days).`,
    ];

    console.log(
      `\nFleet tick (warm, measured): ${ITNIO_SOURCES} ITNIO x ${ITNIO_AGENTS} + NX ${NX_AGENTS} in ${NX_SHARDS} shards, +${LATENCY_MS} ms per answer`,
    );
    console.log('\nPer-worker figures (one source stage per process)');
    console.table(perWorker);
    console.log(`\nNX shards (measured tick, ${STAGE_BUDGET_MS / 1000} s budget; then the no-deadline retry)`);
    console.table(nxShardRows);
    console.log('\nSlowest stages against the stage budget (projected Lambda wall; OVER = past the budget end)');
    console.table(budgetRows);
    console.log(
      `\nPublish stage: ${r0(pubWallMs)} ms wall, ${r0(pubCpuMs)} ms CPU, ${pub.digests.length} digest(s), ${publishes} SNS publish(es)`,
    );
    console.log('\nDynamoDB units for the tick (store.consumed)');
    console.table([
      { part: `${ITNIO_SOURCES} ITNIO stages`, ...consumed.itnioStages },
      { part: `${NX_SHARDS} NX shards (budgeted)`, ...consumed.nxShards },
      { part: 'publish', ...consumed.publish },
      { part: 'tick', ...tickUnits },
    ]);
    console.log('\nProjected Lambda wall per stage');
    console.table(projected);
    console.log(`\nCost per month at one tick a minute (chosen memory: ${FUNCTION_MEMORY_MB} MB; the others for comparison)`);
    console.table(costs);
    console.log('\nPrices and assumptions');
    for (const a of assumptions) console.log(`- ${a}`);
    // ---- the NX tenant: does it fit a 1-minute schedule in its shards, and at how many would it
    const MB = FUNCTION_MEMORY_MB;
    /** The scale issue's NX tenant. */
    const NX_TENANT = 50_000;
    const nxAllOk = nx.every((w) => w.result.outcome.status === 'ok');
    // per-agent CPU of a shard: the measured tick's shards when all of them read, else the no-deadline retry's
    const nxBasis = nxAllOk ? nx : nxFree;
    const nxBasisName = nxAllOk ? 'the measured tick' : 'the no-deadline retry';
    const nxCpuPerAgentMs = sum(nxBasis.map((w) => w.cpuMs)) / Math.max(1, sum(nxBasis.map((w) => w.result.outcome.agents ?? 0)));
    const floorPerAgentMs = LATENCY_MS / NX_CONCURRENCY;
    /** Agents a shard reads within the reads window at a memory: bound by its CPU at the memory's share, or by the request floor. */
    const nxAgentsPerShard = (mb: number) => Math.floor(STAGE_READS_END_MS / Math.max(floorPerAgentMs, nxCpuPerAgentMs / cpuShare(mb)));
    const nxShardsFor = (agents: number, mb: number) => Math.ceil(agents / Math.max(1, nxAgentsPerShard(mb)));
    // the slowest shard on Lambda: its reads (all its CPU counted against them, pessimistic) and its whole stage
    const nxSlow = nxBasis.reduce((a, b) => (projectedWall(b.wallMs, b.cpuMs, MB) > projectedWall(a.wallMs, a.cpuMs, MB) ? b : a));
    const nxSlowRead = nxSlow.result.outcome.readMs ?? nxSlow.wallMs;
    const nxReadNeed = Math.max(nxSlowRead, nxSlow.cpuMs / cpuShare(MB));
    const nxStageNeed = projectedWall(nxSlow.wallMs, nxSlow.cpuMs, MB);
    const nxFits = nxAllOk && nxReadNeed <= STAGE_READS_END_MS && nxStageNeed <= STAGE_BUDGET_MS;
    const nxFailed = nx.filter((w) => w.result.outcome.status !== 'ok');
    /** A shard's reads by the sizing model (its agents at the measured CPU per agent and the memory's share, or the request floor). */
    const nxModelReadMs = (agents: number, mb: number) => agents * Math.max(floorPerAgentMs, nxCpuPerAgentMs / cpuShare(mb));
    const nxModelText = `by its CPU and the request floor alone a shard of ~${r0(NX_AGENTS / NX_SHARDS)} agents would read in ~${r0(nxModelReadMs(NX_AGENTS / NX_SHARDS, MB))} ms at ${MB} MB${nxModelReadMs(NX_AGENTS / NX_SHARDS, MB) <= STAGE_READS_END_MS ? ', within the window, so the rest of the measured wall is most likely due to this machine (not measured apart: the simulator answers every shard from one process on the cores the workers share)' : ', past the window too'}`;
    const nxSlowText = `${nxSlow.source} (${nxSlow.result.outcome.agents ?? '?'} agents): ${r0(nxSlow.wallMs)} ms wall, ${nxSlowRead} ms reading, ${r0(nxSlow.cpuMs)} ms CPU here; projected ${MEMORIES.map((mb) => `${r0(projectedWall(nxSlow.wallMs, nxSlow.cpuMs, mb))} ms at ${mb} MB`).join(', ')}`;
    const nxVerdict = nxFits
      ? `NX ${NX_AGENTS} agents in ${NX_SHARDS} shards (~${r0(NX_AGENTS / NX_SHARDS)} each): FITS a 1-minute schedule at ${MB} MB. Every shard read within its budget in the measured tick; the slowest, ${nxSlowText}; at ${MB} MB its reads need at most ${r0(nxReadNeed)} ms of the ${STAGE_READS_END_MS} ms reads window and the stage ${r0(nxStageNeed)} ms of the ${STAGE_BUDGET_MS} ms budget.`
      : `NX ${NX_AGENTS} agents in ${NX_SHARDS} shards (~${r0(NX_AGENTS / NX_SHARDS)} each): does NOT fit a 1-minute schedule at ${MB} MB as measured here. ${
          nxFailed.length
            ? `In the measured tick ${nxFailed.map((w) => `${w.source} ${statusOf(w)} after ${r0(w.wallMs)} ms`).join(', ')} (reads cut at ${STAGE_READS_END_MS} ms; nothing stored for ${nxFailed.length === 1 ? 'it' : 'them'}, the state of the tick before kept). With no deadline the slowest shard, ${nxSlowText}; ${nxModelText}.`
            : `Every shard read here, but the slowest, ${nxSlowText}; at ${MB} MB its reads would need ${r0(nxReadNeed)} ms against the ${STAGE_READS_END_MS} ms reads window (stage ${r0(nxStageNeed)} ms against the ${STAGE_BUDGET_MS} ms budget); ${nxModelText}.`
        } Reads windows of a source stage by schedule: ${[1, 2, 3, 5].map((m) => `${m} min ${readsEndAtSchedule(m)} ms`).join(', ')}; the slowest shard's reads fit from ${nxFitsAt(nxReadNeed)}.`;
    const nxNote = `${nxVerdict} Shard sizing, from ${nxBasisName}'s shards: ${r2(nxCpuPerAgentMs * 1000)} us of CPU per agent read (each shard also pages the tenant's whole agent list, counted in that figure, so smaller shards cost somewhat more per agent), and a floor of ${r2(floorPerAgentMs)} ms per agent (${NX_CONCURRENCY} status requests in flight x ${LATENCY_MS} ms); at ${MB} MB (${r2(cpuShare(MB))} vCPU) an agent takes ${r2(Math.max(floorPerAgentMs, nxCpuPerAgentMs / cpuShare(MB)))} ms (${nxCpuPerAgentMs / cpuShare(MB) > floorPerAgentMs ? 'CPU-bound' : 'the request floor'}), so the ${STAGE_READS_END_MS} ms reads window holds about ${nxAgentsPerShard(MB)} agents per shard (${MEMORIES.filter(
      (mb) => mb !== MB,
    )
      .map((mb) => `${nxAgentsPerShard(mb)} at ${mb} MB`)
      .join(
        ', ',
      )}): a ${NX_TENANT}-agent tenant fits a 1-minute schedule at ${MB} MB from ${nxShardsFor(NX_TENANT, MB)} shards (${r0(NX_TENANT / nxShardsFor(NX_TENANT, MB))} agents each)${NX_AGENTS === NX_TENANT ? `; ${NX_SHARDS} shards are ${r0(NX_TENANT / NX_SHARDS)} agents each, ${r0((100 * NX_TENANT) / NX_SHARDS / nxAgentsPerShard(MB))}% of that` : ''}. Measured here the slowest shard read at ${r2(nxSlowRead / Math.max(1, nxSlow.result.outcome.agents ?? 0))} ms per agent, ${NX_AT_ONCE} shard(s) at a time on ${WORKERS_AT_ONCE} cores shared with the simulator, DynamoDB Local and other work.`;
    console.log(`\n${nxNote}`);
    if (errors.length) {
      console.log(`\nStage errors and warnings (${errors.length}):`);
      for (const e of errors.slice(0, 30)) console.log(`- ${e}`);
    }
    const wallSec = r0((performance.now() - started) / 1000);
    console.log(`\nMeasured tick took ${r0(tickSec)} s here (stages serialized ${WORKERS_AT_ONCE} at a time); whole bench ${wallSec} s.`);

    const results = {
      at: new Date().toISOString(),
      node: process.version,
      small,
      fleet: {
        itnioSources: ITNIO_SOURCES,
        itnioAgentsPerSource: ITNIO_AGENTS,
        nxAgents: NX_AGENTS,
        nxShards: NX_SHARDS,
        nxConcurrency: NX_CONCURRENCY,
        latencyMs: LATENCY_MS,
      },
      measuredTick: { changeShare: CHANGE_SHARE, itnioChangesPerSource: changes, alertSteps: ITNIO_SOURCES, tookSec: r0(tickSec) },
      stageBudget: { timeoutMs: STAGE_TIMEOUT_MS, budgetMs: STAGE_BUDGET_MS, ...nx[0]!.budget },
      perWorker,
      itnio: {
        ok: okItnio.length,
        cpuMs: mapStats(cpuStats),
        wallMs: mapStats(wallStats),
        cpuPerAgentUs: r2(cpuPerAgentMs * 1000),
        slowest: { source: slowestItnio.source, wallMs: r0(slowestItnio.wallMs), cpuMs: r0(slowestItnio.cpuMs) },
      },
      nx: {
        shards: NX_SHARDS,
        units: nxKeys,
        perShard: nxShardRows,
        cpuMs: mapStats(stats(nx.map((w) => w.cpuMs))),
        wallMs: mapStats(stats(nx.map((w) => w.wallMs))),
        slowest: {
          budgeted: { source: slowestNx.source, wallMs: r0(slowestNx.wallMs), cpuMs: r0(slowestNx.cpuMs), status: statusOf(slowestNx) },
          noDeadline: { source: slowestNxFree.source, wallMs: r0(slowestNxFree.wallMs), cpuMs: r0(slowestNxFree.cpuMs) },
        },
        sizing: {
          basis: nxBasisName,
          cpuPerAgentUs: r2(nxCpuPerAgentMs * 1000),
          floorPerAgentMs: r2(floorPerAgentMs),
          readsWindowMs: STAGE_READS_END_MS,
          agentsPerShard: Object.fromEntries(MEMORIES.map((mb) => [`${mb} MB`, nxAgentsPerShard(mb)])),
          [`shardsFor${NX_TENANT}AtChosenMb`]: nxShardsFor(NX_TENANT, MB),
          fitsOneMinute: nxFits,
        },
        budgeted: nx.map(brief),
        noDeadline: nxFree.map(brief),
        warmUpNoDeadline: warmNx.map(brief),
      },
      slowestStage: { source: slowest.source, wallMs: r0(slowest.wallMs) },
      budgetRows,
      publish: { wallMs: r0(pubWallMs), cpuMs: r0(pubCpuMs), digests: pub.digests.length, publishes },
      dynamo: { ...consumed, tick: tickUnits, wcuPer1000Agents: r2(wcuPerAgent * 1000), rcuPer1000Agents: r2(rcuPerAgent * 1000) },
      projected,
      prices: PRICES,
      chosenMemoryMb: FUNCTION_MEMORY_MB,
      costs,
      assumptions,
      nxNote,
      errors,
      wallSec,
    };
    const out = small ? join(tmp, 'fleet-results.json') : 'bench/fleet-results.json';
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    say(`written to ${out}`);
  } finally {
    await sim.stop();
    await snsEndpoint.stop();
    await ddbLocal.stop();
  }
}

/** The shortest whole-minute schedule whose source-stage reads window holds `ms`. */
const nxFitsAt = (ms: number) => {
  for (let m = 1; m <= 5; m++) if (readsEndAtSchedule(m) >= ms) return `a ${m}-minute schedule`;
  return 'no schedule up to 5 minutes';
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const byWall = (ws: WorkerOut[]) => ws.reduce((a, b) => (b.wallMs > a.wallMs ? b : a));
const statusOf = (w: WorkerOut) => `${w.result.outcome.status}${w.result.outcome.errorKind ? `/${w.result.outcome.errorKind}` : ''}`;
const mapStats = (s: ReturnType<typeof stats>) => ({ n: s.n, min: r0(s.min), median: r0(s.median), p95: r0(s.p95), max: r0(s.max) });
const brief = (w: WorkerOut) => ({
  status: w.result.outcome.status,
  errorKind: w.result.outcome.errorKind,
  error: w.result.outcome.error?.slice(0, 300),
  agents: w.result.outcome.agents,
  changes: w.result.outcome.changes,
  cpuMs: r0(w.cpuMs),
  wallMs: r0(w.wallMs),
  readMs: w.result.outcome.readMs,
  storeMs: w.result.outcome.storeMs,
  wcu: w.wcu,
  rcu: w.rcu,
  maxRssMb: r0(w.maxRssMb),
});

if (args.worker) await worker(args.worker);
else await main();
