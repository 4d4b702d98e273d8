// One function run in a fresh process (like a cold Lambda), so its peak RSS is its own.
// Input: a JSON file path; output: one JSON line with what the run cost.

import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { parseConfig } from '#shared/config/parse';
import { FN } from '#shared/contracts/names';
import { SnsPublisher } from '#shared/notify/publishers';
import { runAgentStatus } from '#shared/run/agent-status';
import { runPreviewTasks } from '#shared/run/preview-tasks';
import { silentLog } from '#shared/runtime/log';
import { Store } from '#shared/store/store';
import { ReaderPool } from '#shared/vendors/readers';

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
const creds = { accessKeyId: 'local', secretAccessKey: 'local' };
const ddb = new DynamoDBClient({ endpoint: job.ddbEndpoint, region: 'us-east-1', credentials: creds });
const sns = new SNSClient({ endpoint: job.snsEndpoint, region: 'us-east-1', credentials: creds });
const store = new Store(ddb, job.table);
const readers = new ReaderPool(async (id) => job.secrets[id]);
const deps = { store, publisher: new SnsPublisher(sns, job.topics), readers, log: silentLog };
const config = parseConfig(job.config, 'bench');
const started = performance.now();
const report = await (job.fn === FN.previewTasks ? runPreviewTasks : runAgentStatus)(config, job.tick, job.now, deps);
const ms = performance.now() - started;
await readers.closeAll();
ddb.destroy();
sns.destroy();
process.stdout.write(
  JSON.stringify({
    ms,
    wcu: store.consumed.write,
    rcu: store.consumed.read,
    publishes: report.digests.length,
    sources: report.sources.map((s) => ({ status: s.status, error: s.error, changes: s.changes, readMs: s.readMs, storeMs: s.storeMs })),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
