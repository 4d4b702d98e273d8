import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Context } from 'aws-lambda';
import { signAckToken } from '#shared/ack/token';
import type { Config } from '#shared/config/schema';
import { type AckLink, SnsPublisher } from '#shared/notify/digest';
import type { CoreDeps, RunReport } from '#shared/run/tick';
import { Store } from '#shared/store/store';
import { ReaderPool } from '#shared/vendors/readers';
import { runtimeFromEnv } from './env';
import { makeLogger, makeMetrics, recordRun } from './observability';
import { parseScheduledEvent } from './schedule-event';

type Run = (config: Config, tick: string, now: number, deps: CoreDeps) => Promise<RunReport>;

/** Links in emails work for a day; the episode id and source are all they carry. */
const ACK_LINK_TTL_MS = 24 * 3600_000;

export function ackLinkMaker(baseUrl: string, key: string, now: number): AckLink {
  return (n) =>
    `${baseUrl.replace(/\/$/, '')}/?t=${signAckToken(key, { episodeId: n.episodeId, source: n.source, expiresAt: now + ACK_LINK_TTL_MS })}`;
}

/**
 * A scheduled function's handler: clients, Powertools and keep-alive pools are made once per
 * container (call this at module scope); each invocation parses the schedule event, runs the
 * core and records metrics. Secrets are cached five minutes, so a rotated key is picked up.
 */
export function scheduledHandler(name: string, run: Run) {
  const logger = makeLogger(name);
  const metrics = makeMetrics(name);
  const runtime = runtimeFromEnv();
  const deps: CoreDeps = {
    store: new Store(runtime.ddb, runtime.table),
    publisher: new SnsPublisher(runtime.sns, runtime.topics),
    readers: new ReaderPool((id) => getSecret(id, { transform: 'json', maxAge: 300 })),
    log: logger,
  };
  const ackUrl = process.env.CCWATCH_ACK_URL;
  const ackSecret = process.env.CCWATCH_ACK_SECRET;
  return async (event: unknown, context: Context) => {
    logger.addContext(context);
    const tick = parseScheduledEvent(event);
    const started = Date.now();
    if (ackUrl && ackSecret) {
      const key = await getSecret(ackSecret, { maxAge: 300 });
      if (typeof key === 'string') deps.ackLink = ackLinkMaker(ackUrl, key, started);
    }
    const report = await run(runtime.config, tick, started, deps);
    recordRun(metrics, report, Date.now() - started);
    metrics.publishStoredMetrics();
    logger.info('run finished', { tick, sources: report.sources, published: report.digests.length, failedChannels: report.failedChannels });
    return {
      tick,
      sources: report.sources.map(({ source, status, agents, tasks, changes }) => ({ source, status, agents, tasks, changes })),
    };
  };
}
