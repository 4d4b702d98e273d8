// What the parts of `npm run bench` share: the local endpoints' clients, a tick run in-process or in
// a child process (bench/tick-worker.ts, which a crash trial can kill), the step ids a published
// digest delivers, and a goal-vs-measured table.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { parseConfig } from '#shared/config/parse';
import type { Config } from '#shared/config/schema';
import { SnsPublisher } from '#shared/notify/publishers';
import { type CoreDeps, type RunReport, runAgentStatus } from '#shared/run/agent-status';
import type { Budget } from '#shared/run/types';
import type { Log } from '#shared/runtime/log';
import { Store } from '#shared/store/store';
import { createTableInput } from '#shared/store/table';
import { ReaderPool } from '#shared/vendors/readers';
import { closeServer, listenLoopback } from '../local/loopback';
import type { ReceivedPublish } from '../local/sns-endpoint';

export const MIN = 60_000;
export const LOCAL_CREDS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const log = (s: string) => process.stderr.write(`${s}\n`);

export const CREDS = {
  itnio: { apiKey: 'b-key', apiSecret: 'b-secret' },
  huawei: { ak: 'b-ak', sk: 'b-sk' },
  nxcloud: { accessKey: 'b-nx', accessSecret: 'b-nx-secret' },
};
export const CHANNELS = [
  { id: 'supervisors', severities: ['warning', 'critical'] },
  { id: 'oncall', severities: ['critical'] },
];
/** Channel id -> topic ARN; a prefix keeps worlds that share one SNS endpoint apart. */
export const topicsFor = (prefix = ''): Record<string, string> =>
  Object.fromEntries(CHANNELS.map((c) => [c.id, `arn:aws:sns:local:0:${prefix}${c.id}`]));

export function ddbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDS });
}

export async function freshTable(endpoint: string, name: string): Promise<void> {
  const c = ddbClient(endpoint);
  await c.send(new CreateTableCommand(createTableInput(name)));
  c.destroy();
}

/** Drops a table no longer needed (DynamoDB Local keeps every table in memory). */
export async function dropTable(endpoint: string, name: string): Promise<void> {
  const c = ddbClient(endpoint);
  await c.send(new DeleteTableCommand({ TableName: name }));
  c.destroy();
}

/** The endpoints and table one tick runs against, in this process or in a worker. */
export interface World {
  ddbEndpoint: string;
  snsEndpoint: string;
  table: string;
  topics: Record<string, string>;
  secrets: Record<string, unknown>;
  /** Raw config (parsed where the tick runs). */
  config: Record<string, unknown>;
}

/** Warnings and errors the pipeline logged: a bench run reads them for anything unexpected. */
export function collectingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const put = (level: string) => (message: string, extra: Record<string, unknown>) =>
    void lines.push(`${level} ${message} ${JSON.stringify(extra)}`);
  return { lines, debug() {}, info() {}, warn: put('warn'), error: put('error') };
}

/** What an item key is, for the units-by-kind breakdown. */
function kindOfKey(key: Record<string, unknown> | undefined): string {
  const str = (v: unknown) => (typeof v === 'string' ? v : ((v as { S?: string } | undefined)?.S ?? ''));
  const pk = str(key?.pk);
  const sk = str(key?.sk);
  if (pk === 'EPISODE') return 'episode items';
  if (pk.startsWith('HIST#')) return 'history items';
  if (sk.startsWith('HEALTH#')) return 'health items';
  if (sk.startsWith('STATE#')) return sk.includes('#C#') ? 'state chunks' : 'state head';
  return pk ? `other (${pk.split('#')[0]})` : 'other';
}

/**
 * Capacity units by kind of item (state head, state chunks, episode items, history, health), read
 * off every call's input key and its ConsumedCapacity: where a tick's units go.
 */
export function meterByKind(client: DynamoDBClient): Map<string, { read: number; write: number }> {
  const byKind = new Map<string, { read: number; write: number }>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const input = args.input as Record<string, any>;
      const consumed = (out.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
      const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce((s, c) => s + (c.CapacityUnits ?? 0), 0);
      if (!units) return out;
      const command = context.commandName ?? '';
      const batch = Object.values((input.RequestItems ?? {}) as Record<string, any>)[0];
      const key = input.Key ?? input.Item ?? batch?.Keys?.[0] ?? batch?.[0]?.PutRequest?.Item ?? batch?.[0]?.DeleteRequest?.Key;
      const kind =
        command === 'QueryCommand' ? `query ${String(input.ExpressionAttributeValues?.[':pk'] ?? '').split('#')[0]}` : kindOfKey(key);
      const write = /Put|Update|Delete|BatchWrite/.test(command);
      const m = byKind.get(kind) ?? { read: 0, write: 0 };
      m[write ? 'write' : 'read'] += units;
      byKind.set(kind, m);
      return out;
    },
    { step: 'initialize', name: 'benchUnitsByKind' },
  );
  return byKind;
}

/** The difference of two by-kind meters, rounded, for a report. */
export function unitsSince(now: Map<string, { read: number; write: number }>, before: Map<string, { read: number; write: number }>) {
  const out: Record<string, { read: number; write: number }> = {};
  for (const [k, v] of now) {
    const b = before.get(k) ?? { read: 0, write: 0 };
    const d = { read: round(v.read - b.read, 1), write: round(v.write - b.write, 1) };
    if (d.read || d.write) out[k] = d;
  }
  return out;
}

export const copyMeter = (m: Map<string, { read: number; write: number }>) => new Map([...m].map(([k, v]) => [k, { ...v }]));

/**
 * Runs ticks of runAgentStatus in this process with one set of clients, as a warm Lambda container
 * does (the store keeps what it knows of each state document between ticks).
 */
export class InProcess {
  readonly store: Store;
  readonly readers: ReaderPool;
  readonly config: Config;
  readonly log = collectingLog();
  /** Capacity units by kind of item, over every tick of this container. */
  readonly byKind: Map<string, { read: number; write: number }>;
  private readonly ddb: DynamoDBClient;
  private readonly sns: SNSClient;
  private readonly deps: CoreDeps;

  constructor(world: World) {
    this.ddb = ddbClient(world.ddbEndpoint);
    this.byKind = meterByKind(this.ddb);
    this.sns = new SNSClient({ endpoint: world.snsEndpoint, region: 'us-east-1', credentials: LOCAL_CREDS });
    this.store = new Store(this.ddb, world.table, this.log);
    this.readers = new ReaderPool(async (id) => world.secrets[id]);
    this.config = parseConfig(world.config, 'bench');
    this.deps = { store: this.store, publisher: new SnsPublisher(this.sns, world.topics), readers: this.readers, log: this.log };
  }

  tick(now: number, budget?: Budget): Promise<RunReport> {
    return runAgentStatus(this.config, new Date(now).toISOString(), now, this.deps, budget);
  }

  async close(): Promise<void> {
    await this.readers.closeAll();
    this.ddb.destroy();
    this.sns.destroy();
  }
}

/** What bench/tick-worker.ts prints. */
export interface WorkerResult {
  ms: number;
  wcu: number;
  rcu: number;
  publishes: number;
  failedChannels: string[];
  publishedAfterMs?: number;
  tookMs?: number;
  budget?: { readsEndMs: number; publishMs: number; endsMs: number };
  sources: { source: string; status: string; error?: string; errorKind?: string; changes?: number; readMs?: number; storeMs?: number }[];
  maxRssMb: number;
}

export interface WorkerRun {
  result?: WorkerResult;
  /** Whether our SIGKILL ended it (it may have printed its result just before). */
  killed: boolean;
  /** Wall ms from the worker's "started" line to the kill (or to its exit). */
  sinceStartMs?: number;
  /** Wall ms from the "started" line to the result line: the run's duration as the parent sees it. */
  resultAfterMs?: number;
  stderr: string;
}

/** A worker loaded and waiting: `start` begins its run (and times a kill from that moment). */
export interface PendingWorker {
  ready: Promise<void>;
  start(opts?: { killAfterMs?: number }): Promise<WorkerRun>;
  /** Ends a worker that will not be started. */
  discard(): void;
}

const jobs = mkdtempSync(join(tmpdir(), 'ccwatch-bench-'));

/**
 * A tick in a fresh process, loaded ahead of time: the imports (about a second under tsx) are done
 * by `ready`. After `start`, the process may be killed with SIGKILL `killAfterMs` after it
 * announced the start of the run, wherever it is.
 */
export function spawnWorker(job: Record<string, unknown>, flags: string[] = []): PendingWorker {
  const file = join(jobs, `job-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ ...job, announce: true, waitForGo: true }));
  const child: ChildProcess = spawn(process.execPath, [...flags, '--import', 'tsx', 'bench/tick-worker.ts', file], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 20_000) stderr += d.toString();
  });
  let startedAt: number | undefined;
  let killedAt: number | undefined;
  let resultAt: number | undefined;
  let result: WorkerResult | undefined;
  let timer: NodeJS.Timeout | undefined;
  let killAfterMs: number | undefined;
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const msg = JSON.parse(line);
    if (msg.event === 'ready') onReady();
    else if (msg.event === 'started') {
      startedAt = performance.now();
      if (killAfterMs !== undefined) {
        timer = setTimeout(() => {
          killedAt = performance.now();
          child.kill('SIGKILL');
        }, killAfterMs);
      }
    } else {
      resultAt = performance.now();
      result = msg;
    }
  });
  const done = new Promise<WorkerRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      onReady();
      const endedAt = killedAt ?? performance.now();
      const killed = signal === 'SIGKILL';
      if (!killed && code !== 0) return reject(new Error(`tick worker exited with ${code}: ${stderr.slice(-2000)}`));
      resolve({
        ...(result ? { result } : {}),
        killed,
        ...(startedAt !== undefined ? { sinceStartMs: endedAt - startedAt } : {}),
        ...(startedAt !== undefined && resultAt !== undefined ? { resultAfterMs: resultAt - startedAt } : {}),
        stderr,
      });
    });
  });
  return {
    ready,
    start: (opts = {}) => {
      killAfterMs = opts.killAfterMs;
      child.stdin!.end('go\n');
      return done;
    },
    discard: () => {
      child.kill('SIGKILL');
      done.catch(() => {});
    },
  };
}

/** A tick in a fresh process, started as soon as it is loaded. */
export async function runWorker(job: Record<string, unknown>, flags: string[] = []): Promise<WorkerRun> {
  const w = spawnWorker(job, flags);
  await w.ready;
  return w.start();
}

/** The job a worker needs for one agent-status tick of a world at `now`. */
export function workerJob(world: World, now: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    fn: 'agent-status',
    config: world.config,
    secrets: world.secrets,
    ddbEndpoint: world.ddbEndpoint,
    table: world.table,
    snsEndpoint: world.snsEndpoint,
    topics: world.topics,
    tick: new Date(now).toISOString(),
    now,
    ...extra,
  };
}

/** The step ids a digest delivers: the last line of every email, `Steps: K7M2QX#1 J43KRM#2`. */
export function stepsOf(p: ReceivedPublish): string[] {
  const email = p.bodies?.email ?? p.message;
  const line = email
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('Steps:'));
  if (!line) throw new Error(`a published digest without a Steps line: ${email.slice(0, 200)}`);
  return line.slice('Steps:'.length).trim().split(/\s+/).filter(Boolean);
}

/** `channel step` -> times delivered, over the messages published to a world's topics. */
export function deliveries(published: readonly ReceivedPublish[], topics: Record<string, string>): Map<string, number> {
  const channelOf = new Map(Object.entries(topics).map(([c, arn]) => [arn, c]));
  const out = new Map<string, number>();
  for (const p of published) {
    const channel = channelOf.get(p.topicArn);
    if (!channel) continue;
    for (const step of stepsOf(p)) {
      const key = `${channel} ${step}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
  return out;
}

/**
 * A loopback proxy that passes every request on at once and holds its answer `delayMs`: gives an
 * endpoint on this machine (the SNS stand-in) the latency of the real service. A caller killed
 * while it waits has had its request accepted all the same, as with the real service.
 */
export async function delayProxy(
  target: string,
  delayMs: number,
): Promise<{ endpoint: string; inFlight(): number; idle(): Promise<void>; stop(): Promise<void> }> {
  const to = new URL(target);
  let inFlight = 0;
  const server = createServer(async (req, res) => {
    inFlight++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const out = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
      async (answer) => {
        const body: Buffer[] = [];
        for await (const c of answer) body.push(c as Buffer);
        inFlight--;
        await new Promise((r) => setTimeout(r, delayMs));
        if (res.destroyed) return;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(Buffer.concat(body));
      },
    );
    out.on('error', () => {
      inFlight--;
      res.destroy();
    });
    out.end(Buffer.concat(chunks));
  });
  const endpoint = await listenLoopback(server);
  return {
    endpoint,
    inFlight: () => inFlight,
    idle: async () => {
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    },
    stop: () => closeServer(server),
  };
}

// ---- reporting ---------------------------------------------------------------------------------

export interface GoalRow {
  figure: string;
  goal: string;
  measured: string;
  /** undefined: reported, no goal to meet. */
  pass?: boolean | undefined;
}

export function printGoals(title: string, rows: readonly GoalRow[]): void {
  console.log(`\n${title}`);
  console.table(
    rows.map((r) => ({
      figure: r.figure,
      goal: r.goal,
      measured: r.measured,
      result: r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS',
    })),
  );
}

export const quantile = (xs: readonly number[], q: number): number => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] as number;
};
export const median = (xs: readonly number[]) => quantile(xs, 0.5);
export const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
