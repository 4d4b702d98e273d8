import { Duration, TimeZone } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, type ScheduledFunctionId } from '#shared/contracts/names';
import { configDefine } from '../bundling';
import type { CronSchedule } from '../schedule';
import { CcwatchFunction } from './function';

export interface ScheduledFunctionProps {
  /** Folder under functions/ and the Powertools service name. */
  name: ScheduledFunctionId;
  /** The validated config as the function will re-read it (inlined at bundling). */
  runtimeJson: string;
  environment: Record<string, string>;
  everySeconds: number;
  staleAfterRuns: number;
  /** Cron schedules inside business hours; around the clock at `everySeconds` when absent. */
  businessHours?: CronSchedule[];
  /** Where alarms page. */
  alarmTopics: readonly ITopic[];
  memorySize?: number;
}

/**
 * A ccwatch function on a schedule: one concurrent run, invoked by EventBridge Scheduler with the
 * scheduled time as the tick id, retried into a dead-letter queue, and watched by alarms.
 */
export class ScheduledFunction extends Construct {
  readonly name: ScheduledFunctionId;
  readonly fn: NodejsFunction;
  readonly dlq: Queue;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ScheduledFunctionProps) {
    super(scope, id);
    this.name = props.name;
    const interval = Duration.seconds(props.everySeconds);
    this.fn = new CcwatchFunction(this, 'Fn', {
      name: props.name,
      environment: props.environment,
      // a run must end before the next one starts
      timeout: Duration.seconds(Math.min(props.everySeconds - 5, 300)),
      // one run at a time: overlapping runs are safe, but never useful
      reservedConcurrency: 1,
      ...(props.memorySize ? { memorySize: props.memorySize } : {}),
      define: configDefine(props.runtimeJson),
    }).fn;

    this.dlq = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const target = new LambdaInvoke(this.fn, {
      // the schedule's own time identifies the tick and stays the same on retries
      input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
      retryAttempts: 2,
      maxEventAge: Duration.seconds(Math.max(60, props.everySeconds)),
      deadLetterQueue: this.dlq,
    });
    const expressions = props.businessHours
      ? props.businessHours.map((c) => ({
          what: `${c.expression} ${c.timezone}`,
          expr: ScheduleExpression.expression(c.expression, TimeZone.of(c.timezone)),
        }))
      : [{ what: `every ${props.everySeconds / 60} min`, expr: ScheduleExpression.rate(interval) }];
    for (const [i, { what, expr }] of expressions.entries()) {
      new Schedule(this, i === 0 ? 'Schedule' : `Schedule${i + 1}`, {
        description: `ccwatch ${props.name}: ${what}`,
        schedule: expr,
        target,
      });
    }

    const page = (alarm: Alarm) => {
      for (const t of props.alarmTopics) alarm.addAlarmAction(new SnsAction(t));
      this.alarms.push(alarm);
    };
    const fiveMin = Duration.minutes(5);
    page(
      this.fn.metricErrors({ period: fiveMin }).createAlarm(this, 'Errors', {
        alarmDescription: `ccwatch ${props.name}: the function failed`,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    page(
      this.fn.metricThrottles({ period: fiveMin }).createAlarm(this, 'Throttles', {
        alarmDescription: `ccwatch ${props.name}: runs were throttled (a run took longer than the interval?)`,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    page(
      this.dlq.metricApproximateNumberOfMessagesVisible({ period: fiveMin }).createAlarm(this, 'DeadLetterMessages', {
        alarmDescription: `ccwatch ${props.name}: scheduled runs were dropped into the dead-letter queue`,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    // a watcher that stops watching must page someone: no successful source read for K intervals
    const sourcesOk = new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.sourcesOk,
      dimensionsMap: { service: props.name },
      statistic: 'Sum',
      period: Duration.seconds(props.everySeconds * props.staleAfterRuns),
    });
    page(
      sourcesOk.createAlarm(this, 'NoSuccessfulRun', {
        alarmDescription: `ccwatch ${props.name}: no successful run for ${props.staleAfterRuns} intervals`,
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // with business-hours schedules, closed hours have no data, and that must not page
        treatMissingData: props.businessHours ? TreatMissingData.NOT_BREACHING : TreatMissingData.BREACHING,
      }),
    );
  }
}
