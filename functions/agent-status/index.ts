import type { Context } from 'aws-lambda';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { runAgentStatus } from '#shared/agent-run';
import { parseScheduledEvent } from '#shared/events';
import { SnsPublisher } from '#shared/notifier';
import { makeLogger, makeMetrics, recordRun } from '#shared/observability';
import { ReaderPool } from '#shared/readers';
import { runtimeFromEnv } from '#shared/runtime';
import { Store } from '#shared/store';

// Made once per container: clients, keep-alive pools and cached secrets survive warm invocations.
const logger = makeLogger('agent-status');
const metrics = makeMetrics('agent-status');
const runtime = runtimeFromEnv();
const store = new Store(runtime.ddb, runtime.table);
const publisher = new SnsPublisher(runtime.sns, runtime.topics);
// Secrets are cached for five minutes so a rotated key is picked up without a redeploy.
const readers = new ReaderPool((id) => getSecret(id, { transform: 'json', maxAge: 300 }));

export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const tick = parseScheduledEvent(event);
  const started = Date.now();
  const report = await runAgentStatus(runtime.config, tick, started, { store, publisher, readers, log: logger });
  recordRun(metrics, report, Date.now() - started);
  metrics.publishStoredMetrics();
  logger.info('run finished', { tick, sources: report.sources, published: report.digests.length, failedChannels: report.failedChannels });
  return { tick, sources: report.sources.map(({ source, status, agents, changes }) => ({ source, status, agents, changes })) };
};
