import { Duration, Validations } from 'aws-cdk-lib';
import { type Alarm, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** How the operational alarms look at a metric: five-minute sums. */
export const ALARM_PERIOD = Duration.minutes(5);

/** A dead-letter queue as every ccwatch one is: SQS-managed encryption, TLS only, 14 days to look at it. */
export function deadLetterQueue(scope: Construct, id: string, of: string): Queue {
  const queue = new Queue(scope, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: `This queue is the dead-letter queue of ${of}.` });
  return queue;
}

/** Pages the topics (the critical channel) when the metric shows anything at all in a period; no data is not a page. */
export function pageOnAny(scope: Construct, id: string, metric: Metric, description: string, topics: readonly ITopic[]): Alarm {
  const alarm = metric.createAlarm(scope, id, {
    alarmDescription: description,
    threshold: 1,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  for (const t of topics) alarm.addAlarmAction(new SnsAction(t));
  return alarm;
}
