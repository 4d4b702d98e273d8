import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Digest } from './digest';

export interface Publisher {
  publish(digest: Digest): Promise<void>;
}

/**
 * One SNS publish per channel, with a body per protocol (email gets the table, SMS the
 * one-segment summary). In this JSON message-structure mode SNS does not deliver message
 * attributes to subscribers, so nothing here relies on attribute filter policies.
 */
export class SnsPublisher implements Publisher {
  constructor(
    private readonly sns: SNSClient,
    /** Channel id -> topic ARN. */
    private readonly topics: Record<string, string>,
  ) {}

  async publish(digest: Digest): Promise<void> {
    const topicArn = this.topics[digest.channel.id];
    if (!topicArn) throw new Error(`no SNS topic configured for channel "${digest.channel.id}"`);
    const { subject, email, sms } = digest.message;
    await this.sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: subject,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: email, email, sms }),
        MessageAttributes: {
          // honoured for SMS deliveries: alerts must not be sent as cheaper, slower Promotional
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        },
      }),
    );
  }
}

/** Collects digests instead of sending them (dry runs, the local demo). */
export class CollectingPublisher implements Publisher {
  readonly sent: Digest[] = [];
  constructor(private readonly onDigest?: (d: Digest) => void) {}
  async publish(digest: Digest): Promise<void> {
    this.sent.push(digest);
    this.onDigest?.(digest);
  }
}
