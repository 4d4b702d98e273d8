import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RunReport } from '#shared/run/tick';

export const METRICS_NAMESPACE = 'ccwatch';

export function makeLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

export function makeMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
}

/** The figures the dashboard and alarms read: agents by state, source failures, alerts sent. */
export function recordRun(metrics: Metrics, report: RunReport, durationMs: number): void {
  metrics.addMetric('RunDuration', MetricUnit.Milliseconds, durationMs);
  metrics.addMetric(
    'SourcesFailed',
    MetricUnit.Count,
    report.sources.filter((s) => s.status === 'failed' || s.status === 'store-error').length,
  );
  metrics.addMetric('SourcesOk', MetricUnit.Count, report.sources.filter((s) => s.status === 'ok').length);
  metrics.addMetric(
    'AlertsPublished',
    MetricUnit.Count,
    report.digests.reduce((n, d) => n + d.notices.length, 0),
  );
  metrics.addMetric('PublishFailures', MetricUnit.Count, report.failedChannels.length);
  for (const s of report.sources) {
    if (s.status !== 'ok') continue;
    const single = metrics.singleMetric();
    single.addDimension('source', s.source);
    single.addMetric('ActiveAlerts', MetricUnit.Count, s.openAlerts ?? 0);
    for (const [state, n] of Object.entries(s.byState ?? {})) single.addMetric(`Agents_${state}`, MetricUnit.Count, n);
  }
}
