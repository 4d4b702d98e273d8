import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Digest } from './digest';
import type { TargetKind } from './targets';

/** What a target that sends one request per alert step could not deliver (the rest went out). */
export interface PublishOutcome {
  /** Step ids (`K7M2QX#3`) still owed: tried again next run. */
  failed: string[];
}

/**
 * Delivers one digest to the target it names (`digest.target`). Throwing means nothing went out
 * (all of it is tried again next run); a PublishOutcome names the steps that did not.
 */
export interface Publisher {
  /** `signal`: the stage's time to send is up; what is not sent by then is owed to the next run. */
  publish(digest: Digest, signal?: AbortSignal): Promise<PublishOutcome | undefined>;
}

/** One publisher per kind of target; a digest goes to the one for its target. */
export class TargetPublisher implements Publisher {
  constructor(private readonly byKind: Partial<Record<TargetKind, Publisher>>) {}

  async publish(digest: Digest, signal?: AbortSignal): Promise<PublishOutcome | undefined> {
    const p = this.byKind[digest.target];
    if (!p) throw new Error(`channel "${digest.channel.id}": no ${digest.target} delivery is set up here`);
    return p.publish(digest, signal);
  }
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
    /** The two-way number (config.sms.twoWay): SMS go out from it, so that replies come back to it. */
    private readonly opts: { originationNumber?: string | undefined } = {},
  ) {}

  async publish(digest: Digest, signal?: AbortSignal): Promise<undefined> {
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
          ...(this.opts.originationNumber
            ? { 'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: this.opts.originationNumber } }
            : {}),
        },
      }),
      { abortSignal: signal },
    );
    return undefined;
  }
}

/** Collects digests instead of sending them (dry runs, the local demo). */
export class CollectingPublisher implements Publisher {
  readonly sent: Digest[] = [];
  constructor(private readonly onDigest?: (d: Digest) => void) {}
  async publish(digest: Digest): Promise<undefined> {
    this.sent.push(digest);
    this.onDigest?.(digest);
    return undefined;
  }
}
