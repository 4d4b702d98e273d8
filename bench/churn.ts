// Churn (`npm run bench -- --only churn`): DynamoDB write and read units of one steady tick of the
// real runAgentStatus pipeline (ITNIO, 100 agents a page, on the simulator), for 1k / 10k / 50k
// agents with 1% and 50% of them changing state each minute, and the cost of one alert step. Beside
// each, today's design (the per-item layout this change replaces): one write per changed agent,
// the whole agent partition queried, four items per alert step.

import type { AgentState } from '#shared/model/agent';
import { generateAgents, type SimAgent } from '#simulator/population';
import { VendorSimulator } from '#simulator/server';
import type { SnsEndpoint } from '../local/sns-endpoint';
import { baselineCase, rng } from './callcenter';
import {
  CHANNELS,
  CREDS,
  copyMeter,
  ddbClient,
  freshTable,
  type GoalRow,
  InProcess,
  log,
  MIN,
  median,
  printGoals,
  round,
  stepsOf,
  topicsFor,
  unitsSince,
} from './common';

/** DynamoDB on-demand, us-east-1: dollars per million request units. */
export const PRICES = { writePerMillion: 0.625, readPerMillion: 0.125 };
/** One tick a minute for 30 days. */
export const TICKS_PER_MONTH = 43_200;
/** Alert steps in the alert tick (agents that fire at once). */
const ALERT_STEPS = 100;
const WARMUP_TICKS = 2;
const STEADY_TICKS = 3;
/** The earlier layout wrote four small items per alerting change (agent, episode, event, outbox). */
const TODAY_ITEMS_PER_STEP = 4;

export const dollarsPerMonth = (wcu: number, rcu: number) =>
  ((wcu * PRICES.writePerMillion + rcu * PRICES.readPerMillion) / 1e6) * TICKS_PER_MONTH;

export interface ChurnRow {
  agents: number;
  churn: string;
  changedPerTick: number;
  /** Agents whose snapshot changed, as the pipeline counted them (median of the steady ticks). */
  changesSeen: number;
  firstTickWcu: number;
  /** Medians over the steady ticks (warm container: the store knows the document's chunks). */
  steadyWcu: number;
  steadyRcu: number;
  steadyWcuAll: number[];
  /** A steady tick in a fresh container (reads every chunk). */
  coldRcu: number;
  coldWcu: number;
  dollarsPerMonth: number;
  alertSteps: number;
  alertTickWcu: number;
  wcuPerAlertStep: number;
  /** Units by kind of item: the last steady tick, and the alert tick. */
  steadyByKind: Record<string, { read: number; write: number }>;
  alertByKind: Record<string, { read: number; write: number }>;
  today: { wcu: number; rcu: number; measured: boolean; dollarsPerMonth: number; wcuPerAlertStep: number };
}

export interface ChurnResults {
  prices: typeof PRICES & { ticksPerMonth: number };
  latencyMs: number;
  rows: ChurnRow[];
  goals: GoalRow[];
  wallSec: number;
}

const CYCLE: Record<string, AgentState> = { idle: 'busy', busy: 'wrapup', wrapup: 'idle' };

/** Moves `count` of the agents (the alerting reserve excluded) to their next state shortly before `at`. */
function churn(agents: SimAgent[], movable: number, count: number, at: number, r: () => number): void {
  const order = Array.from({ length: movable }, (_, i) => i);
  for (let k = 0; k < count; k++) {
    const j = k + Math.floor(r() * (movable - k));
    [order[k], order[j]] = [order[j] as number, order[k] as number];
    const a = agents[order[k] as number] as SimAgent;
    const current = a.timeline[a.timeline.length - 1]!.state;
    a.timeline.push({ at: at - 1_000 - Math.floor(r() * 50_000), state: CYCLE[current] ?? 'idle' });
  }
}

async function churnCase(
  ddbEndpoint: string,
  sns: SnsEndpoint,
  n: number,
  share: number,
  todayMeasured: { wcu: number; rcu: number } | undefined,
  scaledFrom: { n: number; wcu: number; rcu: number } | undefined,
): Promise<ChurnRow> {
  let now = Date.UTC(2026, 10, 23, 9, 0);
  const r = rng(n + Math.round(share * 1000));
  const agents = generateAgents({ count: n, t0: now - 60 * MIN });
  const movable = n - ALERT_STEPS;
  const changed = Math.round(n * share);
  const sim = await new VendorSimulator({
    population: { itnio: { ...CREDS.itnio, agents, tasks: [] } },
    clock: () => now,
    logLimit: 0,
  }).start();
  const table = `churn-${n}-${share * 100}-${Date.now().toString(36)}`;
  await freshTable(ddbEndpoint, table);
  const world = {
    ddbEndpoint,
    snsEndpoint: sns.endpoint,
    table,
    topics: topicsFor(`churn-${n}-${share * 100}-`),
    secrets: { 'churn/itnio': CREDS.itnio },
    config: {
      sources: [{ id: 'itnio-churn', vendor: 'itnio', baseUrl: sim.url, secretId: 'churn/itnio' }],
      // churn moves agents through idle, busy and wrap-up; only the reserve ever takes a break
      agentRules: [{ id: 'brk', states: ['break'], after: '1m' }],
      channels: CHANNELS,
    },
  };
  let proc = new InProcess(world);
  const tick = async (name: string) => {
    const w = proc.store.consumed.write;
    const rd = proc.store.consumed.read;
    const kinds = copyMeter(proc.byKind);
    const report = await proc.tick(now);
    const src = report.sources[0]!;
    if (src.status !== 'ok') throw new Error(`churn ${n} ${share}: ${name}: ${src.status} ${src.error}`);
    return {
      wcu: proc.store.consumed.write - w,
      rcu: proc.store.consumed.read - rd,
      changes: src.changes ?? 0,
      byKind: unitsSince(proc.byKind, kinds),
    };
  };
  try {
    log(`  churn ${n} agents, ${share * 100}% a minute...`);
    const first = await tick('first');
    const steady: Awaited<ReturnType<typeof tick>>[] = [];
    for (let t = 0; t < WARMUP_TICKS + STEADY_TICKS; t++) {
      now += MIN;
      churn(agents, movable, changed, now, r);
      const m = await tick(`tick ${t + 1}`);
      if (t >= WARMUP_TICKS) steady.push(m);
    }
    // the reserve goes on break: seen this tick, alerting the next (one "fired" step each)
    now += MIN;
    churn(agents, movable, changed, now, r);
    for (const a of agents.slice(movable)) a.timeline.push({ at: now - 5_000, state: 'break' });
    await tick('break seen');
    now += MIN;
    churn(agents, movable, changed, now, r);
    const published = sns.published.length;
    const alert = await tick('alert');
    const fired = sns.published
      .slice(published)
      .filter((p) => p.topicArn === world.topics.supervisors)
      .reduce((s, p) => s + stepsOf(p).filter((id) => id.endsWith('#1')).length, 0);
    if (fired !== ALERT_STEPS) throw new Error(`churn ${n} ${share}: expected ${ALERT_STEPS} alerts in the alert tick, saw ${fired}`);
    // a steady tick in a fresh container: every chunk of the document is read
    await proc.close();
    proc = new InProcess(world);
    now += MIN;
    churn(agents, movable, changed, now, r);
    const cold = await tick('cold');

    const steadyWcu = median(steady.map((s) => s.wcu));
    const steadyRcu = median(steady.map((s) => s.rcu));
    const today = todayMeasured ?? {
      wcu: Math.round((scaledFrom!.wcu * n) / scaledFrom!.n),
      rcu: round((scaledFrom!.rcu * n) / scaledFrom!.n, 1),
    };
    return {
      agents: n,
      churn: `${share * 100}%`,
      changedPerTick: changed,
      changesSeen: median(steady.map((s) => s.changes)),
      firstTickWcu: round(first.wcu, 1),
      steadyWcu: round(steadyWcu, 1),
      steadyRcu: round(steadyRcu, 1),
      steadyWcuAll: steady.map((s) => round(s.wcu, 1)),
      coldRcu: round(cold.rcu, 1),
      coldWcu: round(cold.wcu, 1),
      dollarsPerMonth: round(dollarsPerMonth(steadyWcu, steadyRcu), 2),
      alertSteps: ALERT_STEPS,
      alertTickWcu: round(alert.wcu, 1),
      wcuPerAlertStep: round((alert.wcu - steadyWcu) / ALERT_STEPS, 3),
      steadyByKind: steady[steady.length - 1]!.byKind,
      alertByKind: alert.byKind,
      today: {
        ...today,
        measured: todayMeasured !== undefined,
        dollarsPerMonth: round(dollarsPerMonth(today.wcu, today.rcu), 2),
        wcuPerAlertStep: TODAY_ITEMS_PER_STEP,
      },
    };
  } finally {
    await proc.close();
    await sim.stop();
  }
}

export async function churnBench(opts: {
  ddbEndpoint: string;
  sns: SnsEndpoint;
  sizes: number[];
  shares: number[];
  /** Sizes whose per-item baseline is measured; larger ones are scaled from the largest measured. */
  baselineSizes: number[];
}): Promise<ChurnResults> {
  const wallStart = performance.now();
  const rows: ChurnRow[] = [];
  const client = ddbClient(opts.ddbEndpoint);
  const baseTable = `churn-baseline-${Date.now().toString(36)}`;
  await freshTable(opts.ddbEndpoint, baseTable);
  try {
    for (const share of opts.shares) {
      let largestMeasured: { n: number; wcu: number; rcu: number } | undefined;
      for (const n of opts.sizes) {
        let today: { wcu: number; rcu: number } | undefined;
        if (opts.baselineSizes.includes(n)) {
          log(`  today's per-item layout, ${n} agents, ${share * 100}% a minute...`);
          today = await baselineCase(client, baseTable, n, share);
          largestMeasured = { n, ...today };
        } else if (!largestMeasured) {
          throw new Error(`churn: no measured per-item baseline below ${n} agents to scale from (--churn-baseline-sizes)`);
        }
        rows.push(await churnCase(opts.ddbEndpoint, opts.sns, n, share, today, today ? undefined : largestMeasured));
      }
    }
  } finally {
    client.destroy();
  }
  rows.sort((a, b) => a.agents - b.agents || parseFloat(a.churn) - parseFloat(b.churn));
  const target = rows.find((r) => r.agents === 10_000 && r.churn === '50%');
  const goals: GoalRow[] = [];
  if (target) {
    goals.push(
      {
        figure: 'WCU per steady tick, 10k agents, 50% churn',
        goal: '<= 100',
        measured: String(target.steadyWcu),
        pass: target.steadyWcu <= 100,
      },
      {
        figure: 'RCU per steady tick, 10k agents, 50% churn',
        goal: '<= 50',
        measured: String(target.steadyRcu),
        pass: target.steadyRcu <= 50,
      },
      {
        figure: '  the same, in a cold container',
        goal: '(reported)',
        measured: String(target.coldRcu),
      },
    );
  }
  for (const r of rows) {
    goals.push({
      figure: `WCU per alert step, ${r.agents} agents, ${r.churn} churn`,
      goal: '<= 1.1',
      measured: String(r.wcuPerAlertStep),
      pass: r.wcuPerAlertStep <= 1.1,
    });
  }
  return {
    prices: { ...PRICES, ticksPerMonth: TICKS_PER_MONTH },
    latencyMs: 0,
    rows,
    goals,
    wallSec: Math.round((performance.now() - wallStart) / 1000),
  };
}

export function printChurn(c: ChurnResults): void {
  console.log(
    `\nChurn: one steady tick of the real pipeline (ITNIO, 100 agents a page), warm container; $/month at ${c.prices.ticksPerMonth} ticks (one a minute, 30 days), DynamoDB on-demand $${c.prices.writePerMillion} per million write units, $${c.prices.readPerMillion} per million read units. "today": the per-item layout (one write per changed agent, the agent partition queried, ${TODAY_ITEMS_PER_STEP} items per alert step)`,
  );
  console.table(
    c.rows.map((r) => ({
      agents: r.agents,
      churn: r.churn,
      'changed / tick': r.changesSeen,
      'WCU (today)': `${r.steadyWcu} (${r.today.wcu}${r.today.measured ? '' : ' scaled'})`,
      'RCU warm / cold (today)': `${r.steadyRcu} / ${r.coldRcu} (${r.today.rcu}${r.today.measured ? '' : ' scaled'})`,
      '$/month (today)': `${r.dollarsPerMonth.toFixed(2)} (${r.today.dollarsPerMonth.toFixed(2)})`,
      'WCU per alert step (today)': `${r.wcuPerAlertStep} (${r.today.wcuPerAlertStep})`,
      'first tick WCU': r.firstTickWcu,
    })),
  );
  console.log('Write units by kind of item: a steady tick, and the alert tick less that, per alert step');
  console.table(
    c.rows.map((r) => {
      const kinds = [...new Set([...Object.keys(r.steadyByKind), ...Object.keys(r.alertByKind)])].sort();
      const w = (m: Record<string, { write: number }>, k: string) => m[k]?.write ?? 0;
      return {
        agents: r.agents,
        churn: r.churn,
        ...Object.fromEntries(
          kinds.map((k) => [k, `${w(r.steadyByKind, k)} | ${round((w(r.alertByKind, k) - w(r.steadyByKind, k)) / r.alertSteps, 3)}`]),
        ),
      };
    }),
  );
  printGoals('Churn goals', c.goals);
}
