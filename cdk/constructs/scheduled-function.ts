import { Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Map as EachOf, LogLevel, Pass, StateMachine, StateMachineType, TaskInput } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, type ScheduledFunctionId } from '#shared/contracts/names';
import { configDefine } from '../bundling';
import type { CronSchedule } from '../schedule';
import { CcwatchFunction } from './function';
import type { FunctionPlacement } from './network';
import { ALARM_PERIOD, deadLetterQueue, pageOnAny } from './paging';

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
  /** The sources it reads: one source stage each per tick. */
  sourceIds: readonly string[];
  memorySize?: number;
  /** deployment.reservedConcurrency for this function; none by default. */
  reservedConcurrency?: number | undefined;
  /** deployment.vpc: the subnets and security groups it reads the sources from. */
  placement?: FunctionPlacement | undefined;
}

/** Source stages at once per tick; each bounds its own vendor requests. */
export const SOURCE_STAGES_IN_FLIGHT = 40;

/**
 * A ccwatch function on a schedule, fanned out: EventBridge Scheduler starts an Express state
 * machine with the scheduled time as the tick id (retried into a dead-letter queue); a Map runs
 * the function once per source (a source stage that fails or times out is caught and fails only
 * that source), then once more to publish one digest per channel of everything stored. Alarms
 * watch the function, the state machine and the schedule.
 */
export class ScheduledFunction extends Construct {
  readonly name: ScheduledFunctionId;
  readonly fn: NodejsFunction;
  readonly stateMachine: StateMachine;
  readonly dlq: Queue;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ScheduledFunctionProps) {
    super(scope, id);
    this.name = props.name;
    const interval = Duration.seconds(props.everySeconds);
    // a tick must end before the next one starts; a source stage gets three quarters of it, the
    // publish step the rest (it usually takes well under a second)
    const tickSeconds = Math.min(props.everySeconds - 5, 300);
    this.fn = new CcwatchFunction(this, 'Fn', {
      name: props.name,
      environment: props.environment,
      timeout: Duration.seconds(Math.floor(tickSeconds * 0.75)),
      ...(props.memorySize ? { memorySize: props.memorySize } : {}),
      reservedConcurrency: props.reservedConcurrency,
      placement: props.placement,
      define: configDefine(props.runtimeJson),
    }).fn;
    this.stateMachine = this.tickMachine(props, Duration.seconds(tickSeconds));

    this.dlq = deadLetterQueue(this, 'DeadLetters', `the ${props.name} schedule`);
    const target = new StepFunctionsStartExecution(this.stateMachine, {
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
    const onAny = (id: string, metric: Metric, what: string) =>
      this.alarms.push(pageOnAny(this, id, metric, `ccwatch ${props.name}: ${what}`, props.alarmTopics));
    const period = ALARM_PERIOD;
    onAny('TickFailed', this.stateMachine.metricFailed({ period }), 'a tick failed (its publish step did not finish)');
    onAny('TickTimedOut', this.stateMachine.metricTimedOut({ period }), 'a tick ran past its interval');
    onAny('Errors', this.fn.metricErrors({ period }), 'the function failed');
    onAny('Throttles', this.fn.metricThrottles({ period }), 'runs were throttled (a run took longer than the interval?)');
    onAny(
      'DeadLetterMessages',
      this.dlq.metricApproximateNumberOfMessagesVisible({ period }),
      'scheduled runs were dropped into the dead-letter queue',
    );
    // a watcher that stops watching must page someone: no successful source read for K intervals.
    // A source still waiting for its credentials (placeholder secret) counts as watched: a fresh
    // deploy must not page before anyone could put the credentials in.
    const stalePeriod = Duration.seconds(props.everySeconds * props.staleAfterRuns);
    const count = (metricName: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        // the functions add their stack's name (ENV.stack), so another stack's runs cannot count here
        dimensionsMap: { service: props.name, stack: Stack.of(this).stackName },
        statistic: 'Sum',
        period: stalePeriod,
      });
    const watched = new MathExpression({
      expression: 'FILL(ok, 0) + FILL(waiting, 0)',
      usingMetrics: { ok: count(METRIC.sourcesOk), waiting: count(METRIC.sourcesNotConfigured) },
      label: 'sources read, or waiting for credentials',
      period: stalePeriod,
    });
    page(
      watched.createAlarm(this, 'NoSuccessfulRun', {
        alarmDescription: `ccwatch ${props.name}: no successful run for ${props.staleAfterRuns} intervals`,
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // with business-hours schedules, closed hours have no data, and that must not page
        treatMissingData: props.businessHours ? TreatMissingData.NOT_BREACHING : TreatMissingData.BREACHING,
      }),
    );
  }

  private tickMachine(props: ScheduledFunctionProps, timeout: Duration): StateMachine {
    const sources = new Pass(this, 'Sources', { parameters: { 'tick.$': '$.scheduledTime', sources: [...props.sourceIds] } });
    const readSource = new LambdaInvoke(this, 'ReadSource', {
      lambdaFunction: this.fn,
      payload: TaskInput.fromObject({ stage: 'source', 'source.$': '$.source', 'tick.$': '$.tick' }),
      payloadResponseOnly: true,
    });
    // a source stage that fails or runs out of time fails its own source only
    readSource.addCatch(
      new Pass(this, 'SourceFailed', { parameters: { 'source.$': '$.source', failed: true, 'error.$': '$.caught.Error' } }),
      {
        resultPath: '$.caught',
      },
    );
    const each = new EachOf(this, 'EachSource', {
      itemsPath: '$.sources',
      maxConcurrency: SOURCE_STAGES_IN_FLIGHT,
      itemSelector: { 'source.$': '$$.Map.Item.Value', 'tick.$': '$.tick' },
      resultPath: '$.results',
    });
    each.itemProcessor(readSource);
    const publish = new LambdaInvoke(this, 'Publish', {
      lambdaFunction: this.fn,
      payload: TaskInput.fromObject({ stage: 'publish', 'tick.$': '$.tick', 'results.$': '$.results' }),
      payloadResponseOnly: true,
    });
    const logs = new LogGroup(this, 'TickLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const machine = new StateMachine(this, 'Tick', {
      stateMachineType: StateMachineType.EXPRESS,
      definitionBody: DefinitionBody.fromChainable(sources.next(each).next(publish)),
      timeout,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
    });
    Validations.of(machine).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Step Functions log delivery (logs:CreateLogDelivery and its kin) has no resource-level permissions; the role may do nothing else on "*".',
      },
      {
        id: 'AwsSolutions-SF2',
        reason:
          'A tick is two short steps whose Lambda stages log as JSON with the tick id; X-Ray would add cost at one execution a minute and nothing on-call reads.',
      },
    );
    return machine;
  }
}
