// Deadline (`npm run bench -- --only deadline`): one tick of 20 sources, each on its own simulator
// (7 ITNIO, 7 Huawei, 6 NXCloud, 100 agents each, 50 ms per response), where one vendor never
// answers (fault 'timeout') and one trickles its answer far slower than the run allows (fault
// 'trickle'). The tick runs in a worker with a Lambda-like budget (budgetFor, shared/run/types.ts).
// Reported: when the digest went out (publishedAfterMs), the tick's whole time (tookMs), the
// budget's marks, what became of the two bad sources, and whether every alert of the 18 healthy
// sources is in the published digest.

import { FN } from '#shared/contracts/names';
import { generateAgents, type SimAgent } from '#simulator/population';
import { type FaultKind, type SimPopulation, VendorSimulator } from '#simulator/server';
import type { SnsEndpoint } from '../local/sns-endpoint';
import {
  CHANNELS,
  CREDS,
  freshTable,
  type GoalRow,
  InProcess,
  log,
  MIN,
  printGoals,
  runWorker,
  stepsOf,
  topicsFor,
  workerJob,
} from './common';

const LATENCY_MS = 50;
const AGENTS = 100;
/** Agents per source on a break long enough to alert in the measured tick. */
const ALERTING = 5;
const LAYOUT = [
  ...Array.from({ length: 7 }, (_, i) => ({ id: `itnio-${i + 1}`, vendor: 'itnio' as const })),
  ...Array.from({ length: 7 }, (_, i) => ({ id: `huawei-${i + 1}`, vendor: 'huawei' as const })),
  ...Array.from({ length: 6 }, (_, i) => ({ id: `nx-${i + 1}`, vendor: 'nxcloud' as const })),
];
const HANGS = 'itnio-7';
const TRICKLES = 'huawei-7';
/** A Huawei status answer for 100 agents is some 30 KB: 64 bytes every 500 ms take minutes. */
const FAULTS: Record<string, FaultKind> = {
  [HANGS]: { kind: 'timeout' },
  [TRICKLES]: { kind: 'trickle', bytesPerChunk: 64, everyMs: 500 },
};

export interface DeadlineResults {
  sources: number;
  budgetMs: number;
  budget: { readsEndMs: number; publishMs: number; endsMs: number };
  publishedAfterMs: number;
  tookMs: number;
  /** When the slowest healthy source had read and stored (readMs + storeMs). */
  healthyStoredByMs: number;
  healthyOk: number;
  healthy: number;
  bad: { source: string; fault: string; status: string; errorKind?: string | undefined; error?: string | undefined }[];
  healthyAlerts: number;
  healthyAlertsInDigest: number;
  missingFromDigest: string[];
  goals: GoalRow[];
}

export async function deadlineBench(opts: { ddbEndpoint: string; sns: SnsEndpoint; budgetMs: number }): Promise<DeadlineResults> {
  const T = Date.UTC(2026, 10, 23, 9, 0);
  let now = T - MIN;
  const sims = new Map<string, VendorSimulator>();
  try {
    const sources = [];
    for (const s of LAYOUT) {
      const firstId = s.vendor === 'huawei' ? 101 : 1;
      const agents: SimAgent[] = generateAgents({
        count: AGENTS,
        t0: T - 60 * MIN,
        firstId,
        ...(s.vendor === 'nxcloud' ? { idPrefix: 'nx' } : {}),
      });
      // on a break from 70 s before the measured tick: each vendor's agents alert in that tick (rule: 1m)
      for (const a of agents.slice(0, ALERTING)) a.timeline.push({ at: T - 70_000, state: 'break' });
      const population: SimPopulation =
        s.vendor === 'itnio'
          ? { itnio: { ...CREDS.itnio, agents, tasks: [] } }
          : s.vendor === 'huawei'
            ? { huawei: { ...CREDS.huawei, ccId: 1, vdn: 170, agents, restReasons: [{ id: 3, name: 'Meal' }] } }
            : { nxcloud: { ...CREDS.nxcloud, tenantId: 144, agents } };
      const sim = await new VendorSimulator({ population, clock: () => now, latencyMs: LATENCY_MS }).start();
      sims.set(s.id, sim);
      const base = { id: s.id, vendor: s.vendor, baseUrl: sim.url, secretId: `deadline/${s.vendor}` };
      sources.push(
        s.vendor === 'huawei'
          ? { ...base, ccId: 1, vdn: 170, agentIds: [`${firstId}-${firstId + AGENTS - 1}`] }
          : s.vendor === 'nxcloud'
            ? { ...base, tenantId: 144 }
            : base,
      );
    }
    const table = `deadline-${Date.now().toString(36)}`;
    await freshTable(opts.ddbEndpoint, table);
    const world = {
      ddbEndpoint: opts.ddbEndpoint,
      snsEndpoint: opts.sns.endpoint,
      table,
      topics: topicsFor('deadline-'),
      secrets: { 'deadline/itnio': CREDS.itnio, 'deadline/huawei': CREDS.huawei, 'deadline/nxcloud': CREDS.nxcloud },
      config: { sources, agentRules: [{ id: 'brk', states: ['break'], after: '1m' }], channels: CHANNELS },
    };
    // a healthy minute first: every source has its snapshot (ITNIO times a state from its first sighting)
    log(`deadline: ${LAYOUT.length} sources, a healthy tick first...`);
    const proc = new InProcess(world);
    const warm = await proc.tick(now);
    if (warm.sources.some((s) => s.status !== 'ok')) throw new Error(`deadline warm-up: ${JSON.stringify(warm.sources)}`);

    now = T;
    for (const [id, fault] of Object.entries(FAULTS)) sims.get(id)!.addFault({ path: /./, ...fault });
    const published = opts.sns.published.length;
    log(`  the tick: ${HANGS} never answers, ${TRICKLES} trickles; budget ${opts.budgetMs} ms...`);
    const run = await runWorker(workerJob(world, now, { budgetMs: opts.budgetMs }));
    const r = run.result;
    if (!r?.budget) throw new Error(`deadline tick: no result: ${run.stderr}`);

    const healthy = r.sources.filter((s) => !(s.source in FAULTS));
    const bad = r.sources
      .filter((s) => s.source in FAULTS)
      .map((s) => ({
        source: s.source,
        fault: FAULTS[s.source]!.kind,
        status: s.status,
        errorKind: s.errorKind,
        error: s.error?.slice(0, 200),
      }));
    // every alert the healthy sources stored this tick, against the steps in the published digest
    const sent = new Set(
      opts.sns.published
        .slice(published)
        .filter((p) => p.topicArn === world.topics.supervisors)
        .flatMap((p) => stepsOf(p)),
    );
    const wanted: string[] = [];
    for (const s of healthy) {
      const state = await proc.store.states.loadAgents(FN.agentStatus, s.source, Date.now());
      for (const a of state.items) if (a.episodeId) wanted.push(`${s.source} ${a.agentId} ${a.episodeId}#1`);
    }
    await proc.close();
    const missing = wanted.filter((w) => !sent.has(w.split(' ')[2]!));
    const healthyStoredByMs = Math.max(...healthy.map((s) => (s.readMs ?? 0) + (s.storeMs ?? 0)));
    const goals: GoalRow[] = [
      {
        figure: 'bad sources: failed, deadline or transient',
        goal: 'both',
        measured: bad.map((b) => `${b.source} ${b.status}/${b.errorKind}`).join(', '),
        pass: bad.length === 2 && bad.every((b) => b.status === 'failed' && ['deadline', 'transient'].includes(b.errorKind ?? '')),
      },
      {
        figure: 'healthy sources stored (ok)',
        goal: `${healthy.length}`,
        measured: String(healthy.filter((s) => s.status === 'ok').length),
        pass: healthy.every((s) => s.status === 'ok') && healthy.length === LAYOUT.length - 2,
      },
      {
        figure: "healthy sources' alerts in the published digest",
        goal: `all ${(LAYOUT.length - 2) * ALERTING}`,
        measured: `${wanted.length - missing.length} of ${wanted.length}`,
        pass: missing.length === 0 && wanted.length === (LAYOUT.length - 2) * ALERTING,
      },
      { figure: 'healthy sources read and stored by (ms)', goal: '(reported)', measured: String(healthyStoredByMs) },
      { figure: 'budget: reads deadline (ms from start)', goal: '', measured: String(r.budget.readsEndMs) },
      { figure: 'budget: publish at (ms)', goal: '', measured: String(r.budget.publishMs) },
      { figure: 'budget: end (ms)', goal: '', measured: String(r.budget.endsMs) },
      {
        figure: 'digest published after (publishedAfterMs)',
        goal: `<= publish at + 1 s (${r.budget.publishMs + 1000})`,
        measured: String(r.publishedAfterMs),
        pass: (r.publishedAfterMs ?? Infinity) <= r.budget.publishMs + 1000,
      },
      {
        figure: 'tick took (tookMs)',
        goal: `<= budget end (${r.budget.endsMs})`,
        measured: String(r.tookMs),
        pass: (r.tookMs ?? Infinity) <= r.budget.endsMs,
      },
    ];
    return {
      sources: LAYOUT.length,
      budgetMs: opts.budgetMs,
      budget: r.budget,
      publishedAfterMs: r.publishedAfterMs ?? -1,
      tookMs: r.tookMs ?? -1,
      healthyStoredByMs,
      healthyOk: healthy.filter((s) => s.status === 'ok').length,
      healthy: healthy.length,
      bad,
      healthyAlerts: wanted.length,
      healthyAlertsInDigest: wanted.length - missing.length,
      missingFromDigest: missing,
      goals,
    };
  } finally {
    await Promise.all([...sims.values()].map((s) => s.stop()));
  }
}

export function printDeadline(d: DeadlineResults): void {
  printGoals(
    `Deadline: one tick of ${d.sources} sources (7 ITNIO, 7 Huawei, 6 NXCloud; ${HANGS} hangs, ${TRICKLES} trickles), budget budgetFor(start, ${d.budgetMs} ms)`,
    d.goals,
  );
  for (const b of d.bad) console.log(`  ${b.source} (${b.fault}): ${b.status}, ${b.errorKind}: ${b.error}`);
  if (d.missingFromDigest.length) console.log(`  missing from the digest: ${d.missingFromDigest.join(', ')}`);
}
