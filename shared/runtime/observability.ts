import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC, METRICS_NAMESPACE } from '#shared/contracts/names';
import type { RunReport } from '#shared/run/types';

export function makeLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

export function makeMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
}

/** The figures the dashboard and alarms read: agents by state, source failures, alerts sent. */
export function recordRun(metrics: Metrics, report: RunReport, durationMs: number): void {
  metrics.addMetric(METRIC.runDuration, MetricUnit.Milliseconds, durationMs);
  metrics.addMetric(
    METRIC.sourcesFailed,
    MetricUnit.Count,
    report.sources.filter((s) => s.status === 'failed' || s.status === 'store-error').length,
  );
  metrics.addMetric(METRIC.sourcesOk, MetricUnit.Count, report.sources.filter((s) => s.status === 'ok').length);
  metrics.addMetric(
    METRIC.alertsPublished,
    MetricUnit.Count,
    report.digests.reduce((n, d) => n + d.notices.length, 0),
  );
  metrics.addMetric(METRIC.publishFailures, MetricUnit.Count, report.failedChannels.length);
  for (const s of report.sources) {
    if (s.status !== 'ok') continue;
    const single = metrics.singleMetric();
    single.addDimension('source', s.source);
    single.addMetric(METRIC.activeAlerts, MetricUnit.Count, s.openAlerts ?? 0);
    for (const [state, n] of Object.entries(s.byState ?? {})) single.addMetric(METRIC.agentsInState(state), MetricUnit.Count, n);
  }
}
