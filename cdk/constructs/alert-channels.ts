import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SmsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Channel } from '#shared/config/schema';
import type { Severity } from '#shared/model/severity';

/** One KMS-encrypted SNS topic per configured channel, with its email and SMS subscribers. */
export class AlertChannels extends Construct {
  readonly topics = new Map<string, Topic>();
  readonly key: Key;

  constructor(scope: Construct, id: string, channels: readonly Channel[]) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'ccwatch alert topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the critical topics
    this.key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    for (const channel of channels) {
      const topic = new Topic(this, `Topic-${channel.id}`, {
        // the stack's name first: another stack in the region has its own topics
        topicName: `${Stack.of(this).stackName}-${channel.id}`,
        displayName: channel.displayName,
        masterKey: this.key,
        enforceSSL: true,
      });
      for (const email of channel.emails) topic.addSubscription(new EmailSubscription(email));
      for (const phone of channel.sms) topic.addSubscription(new SmsSubscription(phone));
      this.topics.set(channel.id, topic);
    }
  }

  /** Channel id -> topic ARN, as the functions expect it. */
  arns(): Record<string, string> {
    return Object.fromEntries([...this.topics].map(([id, t]) => [id, t.topicArn]));
  }

  /** The topics that take a severity (alarms go to the critical ones). */
  forSeverity(channels: readonly Channel[], severity: Severity): Topic[] {
    return channels.filter((c) => c.severities.includes(severity)).map((c) => this.topics.get(c.id)!);
  }
}
