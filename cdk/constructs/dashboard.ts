import { Duration, Stack } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { FN, METRIC, METRICS_NAMESPACE } from '#shared/contracts/names';
import { AGENT_STATES } from '#shared/model/agent';

/** Agents by state per source, active alerts, run duration and vendor errors, from the functions' EMF metrics. */
export class CcwatchDashboard extends Construct {
  constructor(scope: Construct, id: string, props: { agentSources: string[]; taskSources: string[]; functions: string[] }) {
    super(scope, id);
    // named after the stack, so another stack in the region has its own; its metrics are this stack's only
    const stack = Stack.of(this).stackName;
    const m = (metricName: string, service: string, extra: Record<string, string> = {}, statistic = 'Average') =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service, stack, ...extra },
        statistic,
        period: Duration.minutes(1),
        label: Object.values(extra)[0] ?? service,
      });
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: stack });
    dashboard.addWidgets(
      ...props.agentSources.map(
        (source) =>
          new GraphWidget({
            title: `Agents by state: ${source}`,
            stacked: true,
            width: 12,
            left: AGENT_STATES.map((s) => m(METRIC.agentsInState(s), FN.agentStatus, { source }).with({ label: s })),
          }),
      ),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Active agent alerts',
        width: 8,
        left: props.agentSources.map((source) => m(METRIC.activeAlerts, FN.agentStatus, { source }, 'Maximum')),
      }),
      new GraphWidget({
        title: 'Active task alerts',
        width: 8,
        left: props.taskSources.map((source) => m(METRIC.activeAlerts, FN.previewTasks, { source }, 'Maximum')),
      }),
      new GraphWidget({ title: 'Alerts published', width: 8, left: props.functions.map((fn) => m(METRIC.alertsPublished, fn, {}, 'Sum')) }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Run duration (ms)',
        width: 12,
        left: props.functions.map((fn) => m(METRIC.runDuration, fn, {}, 'Maximum')),
      }),
      new GraphWidget({
        title: 'Vendor errors (failed sources per run)',
        width: 12,
        left: props.functions.map((fn) => m(METRIC.sourcesFailed, fn, {}, 'Sum')),
      }),
    );
  }
}
