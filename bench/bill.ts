// `npx tsx bench/bill.ts`: the whole monthly bill of a 1,000- and a 10,000-agent call center at one
// tick a minute, computed from what the benchmarks measured (bench/fleet-results.json: Lambda CPU and
// wall per agent, Step Functions; bench/results.json: DynamoDB units per steady tick at 50% churn)
// and from the stack itself (synthesized here: how many secrets, keys, alarms, dashboards). Prints
// the table the README shows and writes bench/bill-results.json. List prices, us-east-1.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { METRIC } from '#shared/contracts/names';
import { AGENT_STATES } from '#shared/model/agent';
import { FUNCTION_MEMORY_MB } from '../cdk/bundling';
import { buildApp } from '../cdk/ccwatch-app';

const fleet = JSON.parse(readFileSync('bench/fleet-results.json', 'utf8'));
const bench = JSON.parse(readFileSync('bench/results.json', 'utf8'));
const P = fleet.prices as Record<string, number>;
const TICKS = P.ticksPerMonth!;

/** Fixed prices the benchmarks cannot measure (AWS list prices, us-east-1, November 2026). */
const LIST = {
  secretPerMonth: 0.4,
  secretPer10kCalls: 0.05,
  kmsKeyPerMonth: 1.0,
  kmsPer10kRequests: 0.03,
  dashboardPerMonth: 3.0,
  alarmPerMonth: 0.1,
  customMetricPerMonth: 0.3,
  logsPerGbIngested: 0.5,
  snsEmailPer100k: 2.0,
  /** One SMS segment to a US number: $0.00581 base + ~$0.003 carrier fee; other countries differ. */
  smsUsPerMessage: 0.0088,
} as const;

/** Assumptions a team can change: what reaches people, and how much is logged. */
const ASSUME = {
  /** Digest emails a month for each 1,000 agents, each to this many addresses. */
  emailDigestsPer1kAgents: 300,
  emailRecipients: 3,
  /** Critical SMS digests a month for each 1,000 agents, each to this many numbers. */
  smsDigestsPer1kAgents: 30,
  smsRecipients: 2,
  /** Log bytes per Lambda invocation (platform lines, one JSON line per stage, the metrics blob). */
  lambdaLogBytes: 2_500,
  /** Step Functions log bytes per event (level ALL, no execution data) and events per stage. */
  sfnEventBytes: 400,
  sfnEventsPerStage: 7,
  sfnEventsPerExecution: 10,
  /** Secret reads: cached 5 minutes per warm container, ~2 containers per function. */
  secretReadsPerSecretPerMonth: 2 * 12 * 24 * 30,
} as const;

interface CallCenter {
  name: string;
  /** Agents per source of the agent-status function. */
  sources: number[];
  /** Sources with preview-task rules (one stage each a tick). */
  taskSources: number;
}
const CENTERS: CallCenter[] = [
  { name: '1,000 agents (1 ITNIO source)', sources: [1_000], taskSources: 1 },
  { name: '10,000 agents (ITNIO 5,000 + Huawei 3,000 + NXCloud 2,000)', sources: [5_000, 3_000, 2_000], taskSources: 1 },
];

// the stack as deployed with the example config: counted, not assumed
const outdir = mkdtempSync(join(tmpdir(), 'ccwatch-bill-'));
const { stack } = buildApp({ outdir, context: { config: 'ccwatch.config.json', 'aws:cdk:bundling-stacks': [] } });
const resources = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>);
const count = (type: string) => resources.filter((r) => r.Type === type).length;
const alarms = count('AWS::CloudWatch::Alarm');
const dashboards = count('AWS::CloudWatch::Dashboard');
const kmsKeys = count('AWS::KMS::Key');
const exampleSources = JSON.parse(readFileSync('ccwatch.config.json', 'utf8')).sources.length as number;
/** Secrets besides one per source (the acknowledge links' signing key). */
const otherSecrets = count('AWS::SecretsManager::Secret') - exampleSources;

const cpuPerAgentMs = fleet.itnio.cpuPerAgentUs / 1000;
const wall5kMs = fleet.itnio.wallMs.median as number;
const share = Math.min(1, FUNCTION_MEMORY_MB / 1769);
const gb = FUNCTION_MEMORY_MB / 1024;
/** A stage's wall on Lambda: vendor-bound wall scaled from the 5,000-agent median, or CPU at the memory's share. */
const stageWallMs = (agents: number) => Math.max(300, (wall5kMs * agents) / 5_000, (cpuPerAgentMs * agents) / share);
/** The fleet's publish stage read every stage unit's reports (its ITNIO sources and NX shards): scaled per unit. */
const fleetUnits = (fleet.fleet.itnioSources as number) + (fleet.fleet.nxShards as number);
const publishWallMs = Math.max(fleet.publish.wallMs / fleetUnits, fleet.publish.cpuMs / fleetUnits / share, 300);
const churnRow = (agents: number) =>
  (bench.churn.rows as { agents: number; churn: string; steadyWcu: number; steadyRcu: number }[]).find(
    (r) => r.agents === agents && r.churn === '50%',
  );
const taskWallMs = Math.max(...(bench.tasks as { wallMs: number }[]).map((t) => t.wallMs));

const r2 = (n: number) => Math.round(n * 100) / 100;
const bills = CENTERS.map((c) => {
  const agents = c.sources.reduce((a, b) => a + b, 0);
  const agentStages = c.sources.map(stageWallMs);
  const lambdaMsPerTick = agentStages.reduce((a, b) => a + b, 0) + publishWallMs + c.taskSources * taskWallMs + publishWallMs;
  const invocationsPerTick = c.sources.length + 1 + c.taskSources + 1;
  const lambda =
    TICKS * ((lambdaMsPerTick / 1000) * gb * P.lambdaGbSecondArm64! + (invocationsPerTick * P.lambdaPerMillionRequests!) / 1e6);
  const execMs = Math.max(...agentStages) + publishWallMs + taskWallMs + publishWallMs;
  const sfn =
    TICKS * ((2 * P.sfnExpressPerMillionRequests!) / 1e6 + (execMs / 1000) * (P.sfnExpressMemoryStepMb! / 1024) * P.sfnExpressGbSecond!);
  // DynamoDB: each source's steady tick at 50% churn, by the nearest measured size (units scale with stored bytes)
  const units = c.sources.map((n) => {
    const near = n <= 1_000 ? 1_000 : 10_000;
    const row = churnRow(near)!;
    return { w: (row.steadyWcu * n) / near, r: row.steadyRcu };
  });
  const wcu = units.reduce((a, u) => a + Math.max(1, u.w), 0);
  const rcu = units.reduce((a, u) => a + u.r, 0);
  const ddb = TICKS * ((wcu * P.ddbPerMillionWriteUnits!) / 1e6 + (rcu * P.ddbPerMillionReadUnits!) / 1e6);
  const secrets = c.sources.length + otherSecrets;
  const secretsCost = secrets * (LIST.secretPerMonth + (ASSUME.secretReadsPerSecretPerMonth / 1e4) * LIST.secretPer10kCalls);
  const kms = kmsKeys * LIST.kmsKeyPerMonth + ((2 * TICKS) / 1e4) * LIST.kmsPer10kRequests;
  const metrics =
    2 * Object.values(METRIC).filter((m) => typeof m === 'string').length + c.sources.length * (1 + AGENT_STATES.length) + c.taskSources;
  const logBytes =
    TICKS * (invocationsPerTick * ASSUME.lambdaLogBytes + 2 * ASSUME.sfnEventsPerExecution * ASSUME.sfnEventBytes) +
    TICKS * (c.sources.length + c.taskSources) * ASSUME.sfnEventsPerStage * ASSUME.sfnEventBytes;
  const logs = (logBytes / 1e9) * LIST.logsPerGbIngested;
  const emails = (agents / 1_000) * ASSUME.emailDigestsPer1kAgents * ASSUME.emailRecipients;
  const sms = (agents / 1_000) * ASSUME.smsDigestsPer1kAgents * ASSUME.smsRecipients;
  const publishes = TICKS * 0.01 + (emails / ASSUME.emailRecipients + sms / ASSUME.smsRecipients);
  const lines = {
    'Secrets Manager': { detail: `${secrets} secrets`, usd: secretsCost },
    KMS: { detail: `${kmsKeys} key (SNS topics)`, usd: kms },
    'CloudWatch dashboard': { detail: `${dashboards} (the first 3 of an account are free)`, usd: dashboards * LIST.dashboardPerMonth },
    'CloudWatch alarms': { detail: `${alarms}`, usd: alarms * LIST.alarmPerMonth },
    'custom metrics': { detail: `${metrics}`, usd: metrics * LIST.customMetricPerMonth },
    'CloudWatch Logs': { detail: `~${r2(logBytes / 1e9)} GB ingested`, usd: logs },
    Lambda: { detail: `${invocationsPerTick} invocations a tick, ${FUNCTION_MEMORY_MB} MB`, usd: lambda },
    'Step Functions': { detail: '2 Express executions a tick', usd: sfn },
    DynamoDB: { detail: `${r2(wcu)} WCU + ${rcu} RCU a tick (50% churn)`, usd: ddb },
    'SNS publishes': { detail: `~${Math.round(publishes)}`, usd: (publishes * P.snsPerMillionPublishes!) / 1e6 },
    'SNS email': { detail: `${emails} deliveries`, usd: (emails / 1e5) * LIST.snsEmailPer100k },
    'SNS SMS (US numbers)': { detail: `${sms} messages`, usd: sms * LIST.smsUsPerMessage },
  };
  const total = Object.values(lines).reduce((a, l) => a + l.usd, 0);
  return {
    callCenter: c.name,
    agents,
    lines: Object.fromEntries(Object.entries(lines).map(([k, v]) => [k, { ...v, usd: r2(v.usd) }])),
    total: r2(total),
  };
});

const items = Object.keys(bills[0]!.lines);
console.log(`| item | ${bills.map((b) => `${b.agents.toLocaleString('en-US')} agents`).join(' | ')} |`);
console.log(`| --- | ${bills.map(() => '---').join(' | ')} |`);
for (const item of items) {
  const cells = bills.map((b) => {
    const l = (b.lines as Record<string, { detail: string; usd: number }>)[item]!;
    return `$${l.usd.toFixed(2)} (${l.detail})`;
  });
  console.log(`| ${item} | ${cells.join(' | ')} |`);
}
console.log(`| **total a month** | ${bills.map((b) => `**$${b.total.toFixed(2)}**`).join(' | ')} |`);
writeFileSync(
  'bench/bill-results.json',
  `${JSON.stringify({ at: new Date().toISOString(), list: LIST, assume: ASSUME, bills }, null, 2)}\n`,
);
