import type { Context } from 'aws-lambda';
import { loadAckKey } from '#shared/ack/key';
import { ackLinkMaker, pageLinkMaker } from '#shared/ack/link';
import { ENV, type ScheduledFunctionId } from '#shared/contracts/names';
import { targetPublisher } from '#shared/notify/deliver';
import { FUNCTIONS } from '#shared/run/functions';
import { runFunctionTick, runPublishStage, runSourceStage, type SourceResult } from '#shared/run/tick';
import { budgetFor, type CoreDeps } from '#shared/run/types';
import { stageUnits } from '#shared/run/units';
import { Store } from '#shared/store/store';
import { ReaderPool } from '#shared/vendors/readers';
import { runtimeFromEnv } from './env';
import { makeLogger, makeMetrics, recordPublish, recordRun, recordSources } from './observability';
import { parseFunctionEvent } from './schedule-event';
import { secretsManagerLoader } from './stack-secrets';

/** Kept back from the Lambda's remaining time: metrics, the log line, and the runtime's own margin. */
const HANDLER_MARGIN_MS = 2_000;

/**
 * A scheduled function's handler: clients, Powertools and keep-alive pools are made once per
 * container (call this at module scope). An invocation is a whole tick (the schedule's event), or
 * one stage of it when the fan-out engine runs one Lambda per source and then the publish step.
 * Either way the same core runs; its deadline comes from the invocation's own.
 */
export function scheduledHandler(name: ScheduledFunctionId) {
  const def = FUNCTIONS[name];
  const logger = makeLogger(name);
  const metrics = makeMetrics(name);
  const runtime = runtimeFromEnv();
  // deployed, the stack's name keeps its metrics apart from another stack's in the same region,
  // and names the secrets it made for the sources (`<stack>/<secretId>`)
  const stack = process.env[ENV.stack] || undefined;
  if (stack) metrics.setDefaultDimensions({ stack });
  const loadSecret = secretsManagerLoader(stack, runtime.config.sources);
  const deps: CoreDeps = {
    store: new Store(runtime.ddb, runtime.table, logger),
    publisher: targetPublisher({ config: runtime.config, sns: runtime.sns, topics: runtime.topics, loadSecret, log: logger }),
    readers: new ReaderPool(loadSecret),
    log: logger,
  };
  const { config } = runtime;
  return async (event: unknown, context: Context) => {
    logger.addContext(context);
    const parsed = parseFunctionEvent(event);
    const started = Date.now();
    const budget = budgetFor(started, Math.max(1_000, context.getRemainingTimeInMillis() - HANDLER_MARGIN_MS));
    if (parsed.stage !== 'source' && runtime.ack) {
      // without the key, alerts still go out, only without acknowledge and open-alerts links
      const links = await loadAckKey(runtime.ack.secretId).then(
        (key) => ({ ack: ackLinkMaker(runtime.ack!.url, key, started), page: pageLinkMaker(runtime.ack!.url, key, started) }),
        (err: Error) => void logger.error('acknowledge links left out', { error: err.message }),
      );
      deps.ackLink = links?.ack;
      deps.pageLink = links?.page;
    }
    const tickOptions = { fn: name, config, tick: parsed.tick, now: started, deps, budget, sources: def.sources(config) };
    try {
      if (parsed.stage === 'source') {
        // a source's id, or one of its shards' keys ("nx:2/4"): the items the state machine was given
        const unit = stageUnits(tickOptions.sources).find((u) => u.key === parsed.source);
        if (!unit) throw new Error(`source stage for unknown source "${parsed.source}"`);
        const result = await runSourceStage(tickOptions, unit.source, def.pass(unit.source, config, started, deps, unit.shard), unit.shard);
        recordSources(metrics, [result.outcome]);
        logger.info('source stage finished', { tick: parsed.tick, outcome: result.outcome });
        return result;
      }
      if (parsed.stage === 'publish') {
        const results = parsed.results.filter((r): r is Extract<typeof r, { complete: boolean }> => 'complete' in r);
        const failed = parsed.results.filter((r) => 'failed' in r);
        if (failed.length) logger.warn('source stages that failed or ran out of time', { sources: failed });
        const published = await runPublishStage({
          fn: name,
          config,
          now: started,
          deps,
          sources: tickOptions.sources,
          results: results as SourceResult[],
          deadline: budget.endsAt,
        });
        recordPublish(metrics, published, Date.now() - started);
        logger.info('publish stage finished', {
          tick: parsed.tick,
          published: published.digests.length,
          failedChannels: published.failedChannels,
        });
        return { tick: parsed.tick, published: published.digests.length, failedChannels: published.failedChannels };
      }
      const report = await runFunctionTick(tickOptions, (source, shard) => def.pass(source, config, started, deps, shard));
      recordRun(metrics, report, Date.now() - started);
      logger.info('run finished', {
        tick: parsed.tick,
        sources: report.sources,
        published: report.digests.length,
        failedChannels: report.failedChannels,
      });
      return {
        tick: parsed.tick,
        sources: report.sources.map(({ source, status, agents, tasks, changes }) => ({ source, status, agents, tasks, changes })),
      };
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
