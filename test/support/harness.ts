import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { inject } from 'vitest';
import { parseConfig } from '#shared/config/parse';
import type { Config } from '#shared/config/schema';
import { FN } from '#shared/contracts/names';
import type { AgentSnapshot } from '#shared/model/items';
import { SnsPublisher } from '#shared/notify/publishers';
import { type RunReport, runAgentStatus } from '#shared/run/agent-status';
import type { Log } from '#shared/runtime/log';
import { Store } from '#shared/store/store';
import { createTableInput } from '#shared/store/table';
import { ReaderPool } from '#shared/vendors/readers';
import type { SimPopulation, VendorSimulator } from '#simulator/server';
import { type ReceivedPublish, SnsEndpoint } from '../../local/sns-endpoint';
import { FAST_HTTP, population, startSim, TEST_CREDS, testClock } from './sim';

const LOCAL_CREDS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const TOPICS = {
  supervisors: 'arn:aws:sns:us-east-1:000000000000:ccwatch-supervisors',
  oncall: 'arn:aws:sns:us-east-1:000000000000:ccwatch-oncall',
};

export function ddbClient(): DynamoDBClient {
  return new DynamoDBClient({ endpoint: inject('ddbEndpoint'), region: 'us-east-1', credentials: LOCAL_CREDS });
}

/** A fresh table per suite, built from the same definition the CDK stack deploys. */
export async function freshTable(client: DynamoDBClient): Promise<string> {
  const name = `ccwatch-test-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateTableCommand(createTableInput(name)));
  return name;
}

export const SECRETS: Record<string, unknown> = {
  'test/itnio': TEST_CREDS.itnio,
  'test/huawei': TEST_CREDS.huawei,
  'test/nxcloud': TEST_CREDS.nxcloud,
};

export function testSources(simUrl: string) {
  return [
    { id: 'itnio-main', vendor: 'itnio', baseUrl: simUrl, secretId: 'test/itnio', http: FAST_HTTP },
    {
      id: 'hw-main',
      vendor: 'huawei',
      baseUrl: simUrl,
      secretId: 'test/huawei',
      ccId: 1,
      vdn: 170,
      agentIds: ['1001-1005'],
      groups: { hotline: ['1001-1003'] },
      http: FAST_HTTP,
    },
    { id: 'nx-main', vendor: 'nxcloud', baseUrl: simUrl, secretId: 'test/nxcloud', tenantId: 144, windowSec: 60, http: FAST_HTTP },
  ] as const;
}

export const CHANNELS = [
  { id: 'supervisors', severities: ['warning', 'critical'], emails: ['lead@acme.example'] },
  { id: 'oncall', severities: ['critical'], sms: ['+8613800138000'] },
] as const;

export function captureLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const put = (level: string) => (message: string, extra: Record<string, unknown>) =>
    void lines.push(`${level} ${message} ${JSON.stringify(extra)}`);
  return { lines, debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') };
}

export interface Harness {
  sim: VendorSimulator;
  sns: SnsEndpoint;
  store: Store;
  client: DynamoDBClient;
  clock: ReturnType<typeof testClock>;
  config: Config;
  log: ReturnType<typeof captureLog>;
  readers: ReaderPool;
  publisher: SnsPublisher;
  /** Runs one tick at the clock's current time (or the given tick id). */
  run(opts?: { tick?: string; config?: Config }): Promise<RunReport>;
  /** Messages SNS received since the last call. */
  take(): ReceivedPublish[];
  /** A source's stored agent snapshot. */
  snapshot(source: string): Promise<AgentSnapshot[]>;
  stop(): Promise<void>;
}

export async function makeHarness(
  opts: {
    config?: (simUrl: string) => Record<string, unknown>;
    population?: (t0: number) => SimPopulation;
    ddbEndpoint?: string;
    snsMaxAttempts?: number;
  } = {},
): Promise<Harness> {
  const clock = testClock();
  const sim = await startSim(opts.population?.(clock.start) ?? population(clock.start), clock.now);
  const sns = await new SnsEndpoint().start();
  const client = ddbClient();
  const table = await freshTable(client);
  // the store may talk through a proxy (fault tests); the table is made directly
  const storeClient = opts.ddbEndpoint
    ? new DynamoDBClient({ endpoint: opts.ddbEndpoint, region: 'us-east-1', credentials: LOCAL_CREDS, maxAttempts: 2 })
    : client;
  const store = new Store(storeClient, table);
  const snsClient = new SNSClient({
    endpoint: sns.endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDS,
    maxAttempts: opts.snsMaxAttempts ?? 1,
  });
  const publisher = new SnsPublisher(snsClient, TOPICS);
  const readers = new ReaderPool(async (id) => SECRETS[id]);
  const config = parseConfig({ sources: testSources(sim.url), channels: CHANNELS, ...opts.config?.(sim.url) }, 'test');
  const log = captureLog();
  let seen = 0;
  return {
    sim,
    sns,
    store,
    client,
    clock,
    config,
    log,
    readers,
    publisher,
    run: (o = {}) =>
      runAgentStatus(o.config ?? config, o.tick ?? new Date(clock.now()).toISOString(), clock.now(), { store, publisher, readers, log }),
    snapshot: async (source) => (await store.states.loadAgents(FN.agentStatus, source, Date.now())).items,
    take: () => {
      const out = sns.published.slice(seen);
      seen = sns.published.length;
      return out;
    },
    stop: async () => {
      await readers.closeAll();
      await sim.stop();
      await sns.stop();
      snsClient.destroy();
      client.destroy();
      if (storeClient !== client) storeClient.destroy();
    },
  };
}

/** The text of one status section of an email digest ("FIRING (2)" up to the next section or the footer). */
export function emailSection(body: string, heading: string): string {
  const lines = body.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${heading} (`));
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && (/^(ESCALATED|FIRING|STILL FIRING|RESOLVED) \(\d+\)$/.test(l) || l === '--'));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** Who each alert of a section is about, as its block's first line names them ("Agent 3 (3)", "1003"). */
export function emailWho(body: string, heading: string): string[] {
  return emailSection(body, heading)
    .split('\n')
    .slice(1)
    .filter((l) => l && !l.startsWith(' ') && !l.startsWith('('))
    .map((l) => l.split(' · ')[0]!);
}

/** Who the emails to one topic name under a status heading, across a tick's messages, sorted. */
export function whoIn(msgs: readonly ReceivedPublish[], heading = 'FIRING', topic: string = TOPICS.supervisors): string[] {
  return msgs
    .filter((m) => m.topicArn === topic)
    .flatMap((m) => emailWho(m.bodies!.email!, heading))
    .sort();
}
