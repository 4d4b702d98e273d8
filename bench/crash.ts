// Crash trials (`npm run bench -- --only durability`): the promise of the durable tick, checked by
// killing it. Every trial replays one scripted timeline (36 agents on the three vendors, seven
// ticks a minute apart: alerts fire, repeat, escalate and resolve, and every agent is idle at the
// end). One tick of the trial runs in a child process (bench/tick-worker.ts) and is killed with
// SIGKILL at a moment drawn uniformly from 0 to the duration of that tick run uncrashed; the same
// tick is then run again to completion (the retry, at the same `now`), then the rest of the timeline.
// Against a reference run of the same timeline without crashes:
//   lost        (channel, step) pairs the reference delivered and the crashed world never did (must be 0)
//   duplicated  pairs delivered more than once (allowed only for a kill between SNS accepting and the record)
//   stuck open  alerts still open at the end (the reference ends with none open) (must be 0)

import { parseConfig } from '#shared/config/parse';
import type { Config } from '#shared/config/schema';
import { FN } from '#shared/contracts/names';
import type { AgentState } from '#shared/model/agent';
import { Store } from '#shared/store/store';
import type { SimAgent } from '#simulator/population';
import { type SimPopulation, VendorSimulator } from '#simulator/server';
import type { SnsEndpoint } from '../local/sns-endpoint';
import { rng } from './callcenter';
import {
  CHANNELS,
  CREDS,
  ddbClient,
  delayProxy,
  deliveries,
  dropTable,
  freshTable,
  type GoalRow,
  InProcess,
  log,
  MIN,
  printGoals,
  quantile,
  round,
  spawnWorker,
  topicsFor,
  type World,
  workerJob,
} from './common';

/** Added to every simulator response in the crashed tick (and its reference), so reads take real time. */
const LATENCY_MS = 100;
/** Added to every SNS publish (about what the service takes), so a kill can land mid-publish. */
const SNS_LATENCY_MS = 50;
/** After a kill, time for requests it had sent to DynamoDB Local to be done with. */
const SETTLE_MS = 150;
const TICKS = 7;
const T0 = Date.UTC(2026, 10, 23, 9, 0);
const tickAt = (i: number) => T0 + i * MIN;

/**
 * Per agent (the same twelve on each vendor): [minute, state] changes, each 5 s before that
 * minute's tick; idle before and after. Rules: break 1m (repeat 2m, escalate 3m to critical),
 * busy 1m (repeat every 1m), wrap-up 2m (critical). Everyone is idle from minute 5 on; NXCloud
 * infers states from the last minute's time per state, so its agents resolve at minute 6.
 */
const PROFILES: [number, AgentState][][] = [
  [
    [-5, 'break'],
    [5, 'idle'],
  ],
  [
    [1, 'break'],
    [5, 'idle'],
  ],
  [
    [2, 'break'],
    [4, 'idle'],
  ],
  [
    [1, 'busy'],
    [4, 'idle'],
  ],
  [
    [0, 'busy'],
    [3, 'idle'],
  ],
  [
    [1, 'wrapup'],
    [5, 'idle'],
  ],
  [
    [2, 'wrapup'],
    [4, 'idle'],
  ],
  [
    [3, 'break'],
    [5, 'idle'],
  ],
  [
    [1, 'break'],
    [3, 'busy'],
    [5, 'idle'],
  ],
  [
    [2, 'busy'],
    [5, 'idle'],
  ],
  [],
  [],
];

function agents(firstId: number, prefix = ''): SimAgent[] {
  return PROFILES.map((changes, k) => ({
    id: `${prefix}${firstId + k}`,
    name: `Agent ${prefix}${firstId + k}`,
    groups: [['sales', 'support', 'billing'][k % 3] as string],
    timeline: [{ at: T0 - 60 * MIN, state: 'idle' as AgentState }, ...changes.map(([m, state]) => ({ at: tickAt(m) - 5_000, state }))],
  }));
}

function population(): SimPopulation {
  return {
    itnio: { ...CREDS.itnio, agents: agents(1), tasks: [] },
    huawei: { ...CREDS.huawei, ccId: 1, vdn: 170, agents: agents(1001), restReasons: [{ id: 3, name: 'Meal' }] },
    nxcloud: { ...CREDS.nxcloud, tenantId: 144, agents: agents(1, 'nx') },
  };
}

function config(simUrl: string): Record<string, unknown> {
  return {
    sources: [
      { id: 'itnio-c', vendor: 'itnio', baseUrl: simUrl, secretId: 'c/itnio' },
      { id: 'hw-c', vendor: 'huawei', baseUrl: simUrl, secretId: 'c/huawei', ccId: 1, vdn: 170, agentIds: ['1001-1012'] },
      { id: 'nx-c', vendor: 'nxcloud', baseUrl: simUrl, secretId: 'c/nx', tenantId: 144, http: { concurrency: 6 } },
    ],
    agentRules: [
      { id: 'brk', states: ['break'], after: '1m', repeatEvery: '2m', escalateAfter: '3m' },
      { id: 'call', states: ['busy'], after: '1m', repeatEvery: '1m' },
      { id: 'wrap', states: ['wrapup'], after: '2m', severity: 'critical' },
    ],
    channels: CHANNELS,
  };
}
const SECRETS = { 'c/itnio': CREDS.itnio, 'c/huawei': CREDS.huawei, 'c/nx': CREDS.nxcloud };

/**
 * Where the kill landed, told from what it left: vendor requests seen, state documents saved (the
 * three sources read in parallel), digests published, the run's result printed.
 */
const PHASES = [
  'before any vendor request (loading state)',
  'reading, no source stored yet',
  'some sources stored, others reading',
  'every source stored, before publishing',
  'between publishes',
  'published, recording deliveries',
  'after the run (it had finished)',
] as const;
type Phase = (typeof PHASES)[number];

export interface CrashResults {
  trials: number;
  seed: number;
  latencyMs: number;
  ticks: number;
  agents: number;
  referenceReproducible: boolean;
  referenceTickMs: number[];
  referenceSteps: number;
  /** Summed over the trials. */
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  duplicatedShare: number;
  unexpected: number;
  stuckOpen: number;
  stuckInStateDoc: number;
  outboxLeftAtEnd: number;
  trialsWithLoss: number;
  trialsWithDuplicates: number;
  phases: Record<Phase, number>;
  duplicatesByPhase: Partial<Record<Phase, number>>;
  crashedTick: Record<string, number>;
  killDelayMs: { min: number; p10: number; p25: number; p50: number; p75: number; p90: number; max: number };
  /** Kill moment as a share of the uncrashed tick's duration, in tenths. */
  killDelayDeciles: number[];
  retryInFreshContainer: number;
  pipelineWarnings: Record<string, number>;
  failures: { trial: number; tick: number; delayMs: number; phase: Phase; lost: string[]; stuck: string[] }[];
  goals: GoalRow[];
  wallSec: number;
}

interface Env {
  ddbEndpoint: string;
  /** The SNS endpoint the ticks call (through the latency proxy). */
  snsEndpoint: string;
  sim: VendorSimulator;
  nonce: string;
}

async function makeWorld(env: Env, name: string): Promise<World> {
  const table = `${env.nonce}-${name}`;
  await freshTable(env.ddbEndpoint, table);
  return {
    ddbEndpoint: env.ddbEndpoint,
    snsEndpoint: env.snsEndpoint,
    table,
    topics: topicsFor(`${name}-`),
    secrets: SECRETS,
    config: config(env.sim.url),
  };
}

const slow = (sim: VendorSimulator) => sim.addFault({ path: /./, kind: 'latency', ms: LATENCY_MS });

/** Alerts left open: episode items not resolved, and episodes a state document still holds open. */
async function openAlerts(world: World, cfg: Config): Promise<{ items: string[]; docs: string[]; outbox: string[] }> {
  const client = ddbClient(world.ddbEndpoint);
  const store = new Store(client, world.table);
  try {
    const items = (await store.episodes.openEpisodes()).map((e) => `${e.source}/${e.subjectId} ${e.episodeId}#${e.step ?? e.version}`);
    const docs: string[] = [];
    const outbox: string[] = [];
    for (const s of cfg.sources) {
      const state = await store.states.loadAgents(FN.agentStatus, s.id, Date.now());
      for (const e of state.episodes.values()) docs.push(`${s.id}/${e.subjectId} ${e.episodeId}`);
      for (const e of state.outbox) outbox.push(`${s.id} ${e.id} -> ${e.channels.join(',') || '(episode only)'}`);
    }
    return { items, docs, outbox };
  } finally {
    client.destroy();
  }
}

async function docVersions(world: World, cfg: Config): Promise<number[]> {
  const client = ddbClient(world.ddbEndpoint);
  const store = new Store(client, world.table);
  try {
    return await Promise.all(cfg.sources.map(async (s) => (await store.states.loadAgents(FN.agentStatus, s.id, Date.now())).version ?? 0));
  } finally {
    client.destroy();
  }
}

export async function crashBench(opts: { ddbEndpoint: string; sns: SnsEndpoint; trials: number; seed: number }): Promise<CrashResults> {
  const wallStart = performance.now();
  let now = T0;
  const sim = await new VendorSimulator({ population: population(), clock: () => now }).start();
  const snsProxy = await delayProxy(opts.sns.endpoint, SNS_LATENCY_MS);
  const env: Env = { ddbEndpoint: opts.ddbEndpoint, snsEndpoint: snsProxy.endpoint, sim, nonce: `c${Date.now().toString(36)}` };
  const random = rng(opts.seed);
  try {
    // ---- the reference: every tick in a worker with latency (their durations set the kill window)
    log(`crash trials: reference run (${TICKS} ticks in workers, ${LATENCY_MS} ms per vendor response)...`);
    const ref = await makeWorld(env, 'ref');
    const refCfg = parseConfig(ref.config, 'bench');
    const tickMs: number[] = [];
    const refDigests: number[] = [];
    slow(sim);
    for (let i = 0; i < TICKS; i++) {
      now = tickAt(i);
      // measured as the trials run it: loaded ahead, idle a moment, then started
      const w = spawnWorker(workerJob(ref, now));
      await w.ready;
      await new Promise((res) => setTimeout(res, 1_000));
      const r = await w.start();
      if (!r.result || r.result.sources.some((s) => s.status !== 'ok'))
        throw new Error(`reference tick ${i}: ${JSON.stringify(r.result?.sources)} ${r.stderr}`);
      // from the start of the run to its result (the process's own exit after that is not the run)
      tickMs.push(r.resultAfterMs!);
      refDigests.push(r.result.publishes);
    }
    sim.clearFaults();
    const expected = deliveries(opts.sns.published, ref.topics);
    const refOpen = await openAlerts(ref, refCfg);
    if (refOpen.items.length || refOpen.docs.length) throw new Error(`the reference ends with alerts open: ${refOpen.items.join('; ')}`);
    if ([...expected.values()].some((n) => n > 1)) throw new Error('the reference delivered a step twice');

    // the same timeline in this process without latency (as the trials run their other ticks)
    const ref2 = await makeWorld(env, 'ref2');
    const p2 = new InProcess(ref2);
    for (let i = 0; i < TICKS; i++) {
      now = tickAt(i);
      await p2.tick(now);
    }
    await p2.close();
    const again = deliveries(opts.sns.published, ref2.topics);
    const reproducible = again.size === expected.size && [...expected.keys()].every((k) => again.get(k) === 1);
    log(
      `  reference: ${expected.size} (channel, step) deliveries, ticks ${tickMs.map((m) => Math.round(m)).join('/')} ms; in-process replay ${reproducible ? 'identical' : 'DIFFERENT'}`,
    );

    // ---- the trials
    const out = {
      expected: 0,
      delivered: 0,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      stuckOpen: 0,
      stuckInStateDoc: 0,
      outboxLeftAtEnd: 0,
      trialsWithLoss: 0,
      trialsWithDuplicates: 0,
      retryInFreshContainer: 0,
    };
    const phases = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
    const duplicatesByPhase: Partial<Record<Phase, number>> = {};
    const crashedTick: Record<string, number> = {};
    const delays: number[] = [];
    const deciles = Array.from({ length: 10 }, () => 0);
    const warnings: Record<string, number> = {};
    const failures: CrashResults['failures'] = [];
    // a trial's table and its worker (loaded ahead, while the previous trial finishes here)
    const prepare = async (t: number) => {
      const world = await makeWorld(env, `t${t}`);
      return { world, worker: spawnWorker(workerJob(world, tickAt(t % TICKS))) };
    };
    let next: ReturnType<typeof prepare> | undefined = prepare(0);
    for (let t = 0; t < opts.trials; t++) {
      const trialStart = performance.now();
      const crashAt = t % TICKS;
      const delay = random() * (tickMs[crashAt] as number);
      const fresh = random() < 0.5;
      const { world, worker } = await next!;
      next = undefined;
      let proc = new InProcess(world);
      let phase: Phase = PHASES[0];
      for (let i = 0; i < TICKS; i++) {
        now = tickAt(i);
        if (i === crashAt) {
          const before = await docVersions(world, proc.config);
          const publishedBefore = opts.sns.published.length;
          await worker.ready;
          slow(sim);
          sim.clearLog();
          const run = await worker.start({ killAfterMs: delay });
          sim.clearFaults();
          // what the killed process had sent still lands: let it, before reading what it left
          await snsProxy.idle();
          await new Promise((r) => setTimeout(r, SETTLE_MS));
          if (t + 1 < opts.trials) next = prepare(t + 1);
          const requests = sim.log.length;
          const after = await docVersions(world, proc.config);
          const savedSources = after.filter((v, k) => v > (before[k] as number)).length;
          const pubs = deliveriesSince(opts.sns, publishedBefore, world.topics);
          phase = run.result
            ? PHASES[6]
            : pubs > 0 && pubs >= (refDigests[i] as number)
              ? PHASES[5]
              : pubs > 0
                ? PHASES[4]
                : savedSources === after.length
                  ? PHASES[3]
                  : savedSources > 0
                    ? PHASES[2]
                    : requests > 0
                      ? PHASES[1]
                      : PHASES[0];
          if (!run.killed && !run.result) throw new Error(`trial ${t}: the worker ended without a result: ${run.stderr}`);
          // the retry: the same tick again, in the warm container or a fresh one
          if (fresh) {
            await proc.close();
            proc = new InProcess(world);
            out.retryInFreshContainer++;
          }
        }
        const report = await proc.tick(now);
        const bad = report.sources.filter((s) => s.status !== 'ok');
        for (const s of bad) {
          const key = `source ${s.source} ${s.status} in tick ${i}: ${s.error ?? ''}`.slice(0, 160);
          warnings[key] = (warnings[key] ?? 0) + 1;
        }
      }
      for (const line of proc.log.lines) {
        const key = line.slice(0, 140);
        warnings[key] = (warnings[key] ?? 0) + 1;
      }
      await proc.close();

      const got = deliveries(opts.sns.published, world.topics);
      const lost = [...expected.keys()].filter((k) => !got.has(k));
      const dups = [...got.values()].reduce((s, n) => s + n - 1, 0);
      const unexpected = [...got.keys()].filter((k) => !expected.has(k));
      const open = await openAlerts(world, proc.config);
      await dropTable(world.ddbEndpoint, world.table);
      out.expected += expected.size;
      out.delivered += [...got.values()].reduce((s, n) => s + n, 0);
      out.lost += lost.length;
      out.duplicated += dups;
      out.unexpected += unexpected.length;
      out.stuckOpen += open.items.length;
      out.stuckInStateDoc += open.docs.length;
      out.outboxLeftAtEnd += open.outbox.length;
      if (lost.length) out.trialsWithLoss++;
      if (dups) {
        out.trialsWithDuplicates++;
        duplicatesByPhase[phase] = (duplicatesByPhase[phase] ?? 0) + dups;
      }
      phases[phase]++;
      crashedTick[`tick ${crashAt}`] = (crashedTick[`tick ${crashAt}`] ?? 0) + 1;
      delays.push(delay);
      deciles[Math.min(9, Math.floor((delay / (tickMs[crashAt] as number)) * 10))]!++;
      if (lost.length || open.items.length || open.docs.length || unexpected.length) {
        failures.push({
          trial: t,
          tick: crashAt,
          delayMs: Math.round(delay),
          phase,
          lost: [...lost, ...unexpected.map((u) => `unexpected ${u}`)],
          stuck: [...open.items, ...open.docs.map((d) => `doc ${d}`), ...open.outbox.map((o) => `outbox ${o}`)],
        });
      }
      log(
        `  trial ${t + 1}/${opts.trials}: kill tick ${crashAt} at ${Math.round(delay)} of ${Math.round(tickMs[crashAt] as number)} ms (${phase}); lost ${lost.length}, duplicated ${dups}, open ${open.items.length} (${round((performance.now() - trialStart) / 1000, 1)} s)`,
      );
    }

    const duplicatedShare = out.expected ? out.duplicated / out.expected : 0;
    const goals: GoalRow[] = [
      { figure: 'trials (one tick killed each)', goal: '>= 50', measured: String(opts.trials), pass: opts.trials >= 50 },
      { figure: 'reference deliveries per trial', goal: '(channel, step) pairs', measured: String(expected.size) },
      { figure: 'expected deliveries, all trials', goal: '', measured: String(out.expected) },
      { figure: 'lost', goal: '0', measured: String(out.lost), pass: out.lost === 0 },
      {
        figure: 'duplicated',
        goal: 'only kills between SNS and the record',
        measured: `${out.duplicated} (${round(duplicatedShare * 100, 2)}%) in ${out.trialsWithDuplicates} trials`,
        pass: Object.keys(duplicatesByPhase).every((p) => p === PHASES[4] || p === PHASES[5]),
      },
      { figure: 'delivered but not in the reference', goal: '0', measured: String(out.unexpected), pass: out.unexpected === 0 },
      { figure: 'alerts stuck open at the end', goal: '0', measured: String(out.stuckOpen), pass: out.stuckOpen === 0 },
      {
        figure: 'episodes a state document holds open at the end',
        goal: '0',
        measured: String(out.stuckInStateDoc),
        pass: out.stuckInStateDoc === 0,
      },
      { figure: 'outbox entries left at the end', goal: '0', measured: String(out.outboxLeftAtEnd), pass: out.outboxLeftAtEnd === 0 },
    ];
    return {
      trials: opts.trials,
      seed: opts.seed,
      latencyMs: LATENCY_MS,
      ticks: TICKS,
      agents: PROFILES.length * 3,
      referenceReproducible: reproducible,
      referenceTickMs: tickMs.map((m) => Math.round(m)),
      referenceSteps: expected.size,
      ...out,
      duplicatedShare,
      phases,
      duplicatesByPhase,
      crashedTick,
      killDelayMs: {
        min: Math.round(quantile(delays, 0)),
        p10: Math.round(quantile(delays, 0.1)),
        p25: Math.round(quantile(delays, 0.25)),
        p50: Math.round(quantile(delays, 0.5)),
        p75: Math.round(quantile(delays, 0.75)),
        p90: Math.round(quantile(delays, 0.9)),
        max: Math.round(quantile(delays, 1)),
      },
      killDelayDeciles: deciles,
      pipelineWarnings: warnings,
      failures,
      goals,
      wallSec: Math.round((performance.now() - wallStart) / 1000),
    };
  } finally {
    await sim.stop();
    await snsProxy.stop();
  }
}

function deliveriesSince(sns: SnsEndpoint, from: number, topics: Record<string, string>): number {
  const arns = new Set(Object.values(topics));
  return sns.published.slice(from).filter((p) => arns.has(p.topicArn)).length;
}

export function printCrash(r: CrashResults): void {
  printGoals(
    `Crash trials: ${r.trials} trials, ${r.agents} agents on 3 vendors, ${r.ticks} ticks each; one tick killed (SIGKILL) at a uniform moment of its uncrashed duration (reference ticks ${r.referenceTickMs.join('/')} ms; ${r.latencyMs} ms per vendor response, ${SNS_LATENCY_MS} ms per SNS publish), retried at the same now, then the rest of the timeline`,
    r.goals,
  );
  console.log('Where the kills landed (told from what the killed run left behind):');
  console.table(
    Object.entries(r.phases).map(([phase, trials]) => ({ phase, trials, duplicated: r.duplicatesByPhase[phase as Phase] ?? 0 })),
  );
  console.log(
    `Kill delay after the run started, ms: min ${r.killDelayMs.min}, p10 ${r.killDelayMs.p10}, p25 ${r.killDelayMs.p25}, median ${r.killDelayMs.p50}, p75 ${r.killDelayMs.p75}, p90 ${r.killDelayMs.p90}, max ${r.killDelayMs.max}`,
  );
  console.log(`As a share of that tick's duration, by tenths: ${r.killDelayDeciles.join(' ')}`);
  console.log(
    `Crashed ticks: ${Object.entries(r.crashedTick)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}; retries in a fresh container: ${r.retryInFreshContainer}, in the warm one: ${r.trials - r.retryInFreshContainer}`,
  );
  const warn = Object.entries(r.pipelineWarnings);
  if (warn.length) {
    console.log('Warnings and errors the pipeline logged in the trials (count):');
    for (const [line, n] of warn) console.log(`  ${n} x ${line}`);
  }
  for (const f of r.failures.slice(0, 10)) {
    console.log(
      `  trial ${f.trial} (tick ${f.tick} killed at ${f.delayMs} ms, ${f.phase}): lost ${f.lost.join(', ') || '-'}; open ${f.stuck.join(', ') || '-'}`,
    );
  }
}
