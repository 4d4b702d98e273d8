import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notice } from '#shared/alerting/agents';
import type { Channel } from '#shared/config/schema';
import { type RenderedMessage, renderDigest } from './render';

/** Everything one channel is told in one run: one publish. */
export interface Digest {
  channel: Channel;
  notices: Notice[];
  message: RenderedMessage;
}

/** Makes the acknowledge link of an open alert (undefined where there is none). */
export type AckLink = (notice: Notice) => string | undefined;

/** Whether a channel takes a notice: its severity, and the channel's source and kind filters. */
export function channelTakes(channel: Channel, n: Notice): boolean {
  return (
    channel.severities.includes(n.severity) &&
    (!channel.sources.length || channel.sources.includes(n.source)) &&
    (!channel.kinds.length || channel.kinds.includes(n.kind))
  );
}

/** Routes each notice to the channels that take it and renders one digest per channel. */
export function buildDigests(
  notices: readonly Notice[],
  channels: readonly Channel[],
  now: number,
  timezones: Record<string, string>,
  ackLink?: AckLink,
): Digest[] {
  const out: Digest[] = [];
  for (const channel of channels) {
    const mine = notices.filter((n) => channelTakes(channel, n));
    if (mine.length)
      out.push({ channel, notices: mine, message: renderDigest(mine, { channel, now, timezones, ...(ackLink ? { ackLink } : {}) }) });
  }
  return out;
}

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
