import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Architecture, LoggingFormat, Runtime, ApplicationLogLevel, SystemLogLevel } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '#shared/observability';
import { BUNDLING, FUNCTION_MEMORY_MB, RUNTIME_NODE_OPTIONS, configDefine } from '../bundling';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ScheduledFunctionProps {
  /** Folder under functions/ and the Powertools service name. */
  name: string;
  /** The validated config as the function will re-read it (inlined at bundling). */
  runtimeJson: string;
  environment: Record<string, string>;
  everySeconds: number;
  staleAfterRuns: number;
  /** Where alarms page. */
  alarmTopics: readonly ITopic[];
  memorySize?: number;
}

/**
 * Every ccwatch function the same way: Node.js 24 on arm64, ESM, minified with source maps, the
 * AWS SDK v3 the runtime provides (no pinning: nothing here needs a newer client than Lambda
 * ships), JSON logs with retention, one concurrent run, invoked by EventBridge Scheduler with the
 * scheduled time as the tick id, retried into a dead-letter queue, and watched by alarms.
 */
export class ScheduledFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly dlq: Queue;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ScheduledFunctionProps) {
    super(scope, id);
    const interval = Duration.seconds(props.everySeconds);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(root, 'functions', props.name, 'index.ts'),
      handler: 'handler',
      projectRoot: root,
      depsLockFilePath: join(root, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? FUNCTION_MEMORY_MB,
      // a run must end before the next one starts
      timeout: Duration.seconds(Math.min(props.everySeconds - 5, 300)),
      reservedConcurrentExecutions: 1,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      logGroup: new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      environment: { ...props.environment, NODE_OPTIONS: RUNTIME_NODE_OPTIONS, POWERTOOLS_SERVICE_NAME: props.name },
      bundling: {
        ...BUNDLING,
        mainFields: [...BUNDLING.mainFields],
        externalModules: [...BUNDLING.externalModules],
        format: OutputFormat.ESM,
        define: configDefine(props.runtimeJson),
      },
    });

    this.dlq = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    new Schedule(this, 'Schedule', {
      description: `ccwatch ${props.name} every ${props.everySeconds / 60} min`,
      schedule: ScheduleExpression.rate(interval),
      target: new LambdaInvoke(this.fn, {
        // the schedule's own time identifies the tick and stays the same on retries
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: 2,
        maxEventAge: Duration.seconds(Math.max(60, props.everySeconds)),
        deadLetterQueue: this.dlq,
      }),
    });

    const page = (alarm: Alarm) => {
      for (const t of props.alarmTopics) alarm.addAlarmAction(new SnsAction(t));
      this.alarms.push(alarm);
    };
    const fiveMin = Duration.minutes(5);
    page(this.fn.metricErrors({ period: fiveMin }).createAlarm(this, 'Errors', { alarmDescription: `ccwatch ${props.name}: the function failed`, threshold: 1, evaluationPeriods: 1, treatMissingData: TreatMissingData.NOT_BREACHING }));
    page(this.fn.metricThrottles({ period: fiveMin }).createAlarm(this, 'Throttles', { alarmDescription: `ccwatch ${props.name}: runs were throttled (a run took longer than the interval?)`, threshold: 1, evaluationPeriods: 1, treatMissingData: TreatMissingData.NOT_BREACHING }));
    page(this.dlq.metricApproximateNumberOfMessagesVisible({ period: fiveMin }).createAlarm(this, 'DeadLetterMessages', { alarmDescription: `ccwatch ${props.name}: scheduled runs were dropped into the dead-letter queue`, threshold: 1, evaluationPeriods: 1, treatMissingData: TreatMissingData.NOT_BREACHING }));
    // a watcher that stops watching must page someone: no successful source read for K intervals
    const sourcesOk = new Metric({ namespace: METRICS_NAMESPACE, metricName: 'SourcesOk', dimensionsMap: { service: props.name }, statistic: 'Sum', period: Duration.seconds(props.everySeconds * props.staleAfterRuns) });
    page(
      sourcesOk.createAlarm(this, 'NoSuccessfulRun', {
        alarmDescription: `ccwatch ${props.name}: no successful run for ${props.staleAfterRuns} intervals`,
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.BREACHING,
      }),
    );
  }
}
