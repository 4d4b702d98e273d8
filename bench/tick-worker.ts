// One function run in a fresh process (like a cold Lambda), so its peak RSS is its own, and so a
// crash trial can kill it (SIGKILL) at any moment. Input: a JSON file path; output: one JSON line
// with what the run cost. With `announce`, a `{"event":"started"}` line is written first, just
// before the run begins (after the imports and clients), so the parent can time a kill from there.
// With `waitForGo`, it writes `{"event":"ready"}` once loaded and waits for a line on stdin first.
// With `budgetMs`, the run gets budgetFor(start, budgetMs) (shared/run/types.ts) as a Lambda would.

import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { parseConfig } from '#shared/config/parse';
import { FN } from '#shared/contracts/names';
import { SnsPublisher } from '#shared/notify/publishers';
import { runAgentStatus } from '#shared/run/agent-status';
import { runPreviewTasks } from '#shared/run/preview-tasks';
import { budgetFor } from '#shared/run/types';
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
if (job.waitForGo) {
  // ready (imports done, clients made): the parent says when to start, so a kill can be timed from the start
  process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdin.pause();
}
if (job.announce) process.stdout.write(`${JSON.stringify({ event: 'started' })}\n`);
const started = performance.now();
const startedAt = Date.now();
const budget = job.budgetMs ? budgetFor(startedAt, job.budgetMs) : undefined;
const report = await (job.fn === FN.previewTasks ? runPreviewTasks : runAgentStatus)(config, job.tick, job.now, deps, budget);
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
    failedChannels: report.failedChannels,
    publishedAfterMs: report.publishedAfterMs,
    tookMs: report.tookMs,
    // the budget's marks, in ms from the run's start
    ...(budget
      ? {
          budget: { readsEndMs: budget.readsEndAt - startedAt, publishMs: budget.publishAt - startedAt, endsMs: budget.endsAt - startedAt },
        }
      : {}),
    sources: report.sources.map((s) => ({
      source: s.source,
      status: s.status,
      error: s.error,
      errorKind: s.errorKind,
      changes: s.changes,
      readMs: s.readMs,
      storeMs: s.storeMs,
    })),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
// a source still busy past the publish deadline would keep the process alive; a Lambda is frozen here
process.exit(0);
