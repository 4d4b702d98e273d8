import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, FN } from '#shared/contracts/names';
import { configDefine } from '../bundling';
import { grantAcknowledging } from './episode-access';
import { CcwatchFunction } from './function';
import { ALARM_PERIOD, deadLetterQueue, pageOnAny } from './paging';

/** The End User Messaging SMS service principal: it publishes a number's inbound messages. */
export const SMS_VOICE_PRINCIPAL = 'sms-voice.amazonaws.com';

export interface SmsInboundProps {
  table: ITableV2;
  /** config.sms.twoWay.originationNumber: the number alerts come from and replies go to. */
  originationNumber: string;
  runtimeJson: string;
  /** The critical channel's topics: a reply that could not be handled pages them. */
  alarmTopics: readonly ITopic[];
}

/**
 * Replies to alert SMS: End User Messaging SMS publishes each message the two-way number receives
 * to this KMS-encrypted topic, and the sms-reply function acknowledges or snoozes and answers. The
 * topic's policy and its key's policy let only End User Messaging of this account publish (no role
 * is needed: without TwoWayChannelRole the service publishes under the topic policy). The number
 * itself is the operator's: two-way is switched on with the command in the stack's `SmsTwoWaySetup` output.
 */
export class SmsInbound extends Construct {
  readonly topic: Topic;
  readonly key: Key;
  readonly fn: NodejsFunction;
  /** Replies Lambda gave up on (after its two retries): the message and the error, for 14 days. */
  readonly dlq: Queue;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: SmsInboundProps) {
    super(scope, id);
    // End User Messaging publishes from this account's numbers only (confused deputy)
    const fromThisAccount = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:sms-voice:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
    };
    this.key = new Key(this, 'Key', {
      description: 'ccwatch inbound SMS topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // an encrypted topic: the publisher needs the key too (AWS-managed keys cannot grant this)
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(SMS_VOICE_PRINCIPAL)],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisAccount,
      }),
    );
    this.topic = new Topic(this, 'Topic', {
      topicName: `${Stack.of(this).stackName}-sms-inbound`,
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(SMS_VOICE_PRINCIPAL)],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisAccount,
      }),
    );

    this.dlq = deadLetterQueue(this, 'DeadLetters', 'the sms-reply function');
    const { fn } = new CcwatchFunction(this, 'Fn', {
      name: FN.smsReply,
      environment: { [ENV.table]: props.table.tableName },
      timeout: Duration.seconds(15),
      memorySize: 256,
      // the channels' SMS lists (who may reply), their filters, the sources' timezones, the two-way number
      define: configDefine(props.runtimeJson),
      deadLetterQueue: this.dlq,
    });
    this.fn = fn;
    // a reply that fails is an on-call person's ack that did not land: page, as for the scheduled functions
    const period = ALARM_PERIOD;
    this.alarms.push(
      pageOnAny(
        this,
        'Errors',
        fn.metricErrors({ period }),
        'ccwatch sms-reply: handling an SMS reply failed (Lambda retries it twice)',
        props.alarmTopics,
      ),
      pageOnAny(
        this,
        'DeadLetterMessages',
        this.dlq.metricApproximateNumberOfMessagesVisible({ period }),
        'ccwatch sms-reply: SMS replies were given up on (dead-letter queue): their acks or snoozes did not land',
        props.alarmTopics,
      ),
    );
    this.topic.addSubscription(new LambdaSubscription(fn));

    // the alert-episode partition and the notified history, nothing else of the table
    grantAcknowledging(fn, props.table);
    // the one-line answer: SNS Publish to a phone number, which has no resource ARN to name
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The reply is an SNS Publish to a phone number (PhoneNumber), which IAM authorizes on resource "*" only; the function is granted no other "*" action.',
    });

    new CfnOutput(Stack.of(this), 'SmsInboundTopicArn', {
      value: this.topic.topicArn,
      description: 'End User Messaging SMS publishes the two-way number’s inbound messages here',
    });
    const number = props.originationNumber;
    new CfnOutput(Stack.of(this), 'SmsTwoWaySetup', {
      description: `Run once (AWS CLI v2) to send the inbound messages of ${number} to the stack`,
      value: [
        `aws pinpoint-sms-voice-v2 update-phone-number --region ${Aws.REGION}`,
        `--phone-number-id "$(aws pinpoint-sms-voice-v2 describe-phone-numbers --region ${Aws.REGION} --query "PhoneNumbers[?PhoneNumber=='${number}'].PhoneNumberArn | [0]" --output text)"`,
        `--two-way-enabled --two-way-channel-arn ${this.topic.topicArn}`,
      ].join(' '),
    });
  }
}
