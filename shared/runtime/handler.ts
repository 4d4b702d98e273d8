import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Context } from 'aws-lambda';
import { loadAckKey } from '#shared/ack/key';
import { ackLinkMaker } from '#shared/ack/link';
import type { Config } from '#shared/config/schema';
import type { ScheduledFunctionId } from '#shared/contracts/names';
import { SnsPublisher } from '#shared/notify/publishers';
import { type Budget, budgetFor, type CoreDeps, type RunReport } from '#shared/run/types';
import { Store } from '#shared/store/store';
import { ReaderPool } from '#shared/vendors/readers';
import { runtimeFromEnv } from './env';
import { makeLogger, makeMetrics, recordRun } from './observability';
import { parseScheduledEvent } from './schedule-event';

type Run = (config: Config, tick: string, now: number, deps: CoreDeps, budget: Budget) => Promise<RunReport>;

/** Kept back from the Lambda's remaining time: metrics, the log line, and the runtime's own margin. */
const HANDLER_MARGIN_MS = 2_000;

/**
 * A scheduled function's handler: clients, Powertools and keep-alive pools are made once per
 * container (call this at module scope); each invocation parses the schedule event, runs the
 * core and records metrics. Secrets are cached five minutes, so a rotated key is picked up.
 */
export function scheduledHandler(name: ScheduledFunctionId, run: Run) {
  const logger = makeLogger(name);
  const metrics = makeMetrics(name);
  const runtime = runtimeFromEnv();
  const deps: CoreDeps = {
    store: new Store(runtime.ddb, runtime.table, logger),
    publisher: new SnsPublisher(runtime.sns, runtime.topics),
    readers: new ReaderPool((id) => getSecret(id, { transform: 'json', maxAge: 300 })),
    log: logger,
  };
  return async (event: unknown, context: Context) => {
    logger.addContext(context);
    const tick = parseScheduledEvent(event);
    const started = Date.now();
    if (runtime.ack) {
      // without the key, alerts still go out, only without acknowledge links
      deps.ackLink = await loadAckKey(runtime.ack.secretId).then(
        (key) => ackLinkMaker(runtime.ack!.url, key, started),
        (err: Error) => void logger.error('acknowledge links left out', { error: err.message }),
      );
    }
    // the run's deadline comes from the invocation's own: reads end in time to store and publish
    const budget = budgetFor(started, Math.max(1_000, context.getRemainingTimeInMillis() - HANDLER_MARGIN_MS));
    const report = await run(runtime.config, tick, started, deps, budget);
    recordRun(metrics, report, Date.now() - started);
    metrics.publishStoredMetrics();
    logger.info('run finished', { tick, sources: report.sources, published: report.digests.length, failedChannels: report.failedChannels });
    return {
      tick,
      sources: report.sources.map(({ source, status, agents, tasks, changes }) => ({ source, status, agents, tasks, changes })),
    };
  };
}
