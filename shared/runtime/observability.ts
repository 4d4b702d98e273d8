import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC, METRICS_NAMESPACE } from '#shared/contracts/names';
import type { RunReport, SourceOutcome } from '#shared/run/types';

export function makeLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

export function makeMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
}

/** A source's figures: counted as ok, failed or not configured (the silent-watcher alarm reads SourcesOk), agents by state, open alerts. */
export function recordSources(metrics: Metrics, outcomes: readonly SourceOutcome[]): void {
  metrics.addMetric(
    METRIC.sourcesFailed,
    MetricUnit.Count,
    outcomes.filter((s) => s.status === 'failed' || s.status === 'store-error').length,
  );
  metrics.addMetric(METRIC.sourcesOk, MetricUnit.Count, outcomes.filter((s) => s.status === 'ok').length);
  // neither ok nor failed: waiting for its credentials (the deploy's placeholders are still in its secret)
  metrics.addMetric(METRIC.sourcesNotConfigured, MetricUnit.Count, outcomes.filter((s) => s.status === 'not-configured').length);
  for (const s of outcomes) {
    if (s.status !== 'ok') continue;
    const single = metrics.singleMetric();
    single.addDimension('source', s.source);
    single.addMetric(METRIC.activeAlerts, MetricUnit.Count, s.openAlerts ?? 0);
    for (const [state, n] of Object.entries(s.byState ?? {})) single.addMetric(METRIC.agentsInState(state), MetricUnit.Count, n);
  }
}

/** What the publish step sent. */
export function recordPublish(metrics: Metrics, published: Pick<RunReport, 'digests' | 'failedChannels'>, durationMs: number): void {
  metrics.addMetric(METRIC.runDuration, MetricUnit.Milliseconds, durationMs);
  metrics.addMetric(
    METRIC.alertsPublished,
    MetricUnit.Count,
    published.digests.reduce((n, d) => n + d.notices.length, 0),
  );
  metrics.addMetric(METRIC.publishFailures, MetricUnit.Count, published.failedChannels.length);
}

/** The figures the dashboard and alarms read: agents by state, source failures, alerts sent. */
export function recordRun(metrics: Metrics, report: RunReport, durationMs: number): void {
  recordSources(metrics, report.sources);
  recordPublish(metrics, report, durationMs);
}
