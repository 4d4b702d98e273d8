import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeServer, listenLoopback } from './loopback';

/** A Publish call as the real SDK sent it (AWS Query protocol, decoded). */
export interface ReceivedPublish {
  topicArn: string;
  /** A direct SMS (Publish to PhoneNumber) instead of a topic publish; topicArn is then "". */
  phoneNumber?: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  attributes: Record<string, string>;
  /** Per-protocol bodies when messageStructure is "json". */
  bodies?: Record<string, string>;
}

/**
 * A loopback stand-in for the SNS endpoint: decodes what @aws-sdk/client-sns sends and answers
 * like SNS does, so the real client code runs unchanged. `failNext` injects server errors.
 */
export class SnsEndpoint {
  readonly published: ReceivedPublish[] = [];
  private server?: Server;
  private failures = 0;
  /** Publishes to topics matching this fail (HTTP 500) until cleared. */
  failTopic?: (topicArn: string) => boolean;

  endpoint = '';

  /** The next n requests get HTTP 500 (the SDK retries these itself, up to its attempt limit). */
  failNext(n: number): void {
    this.failures = n;
  }

  clear(): void {
    this.published.length = 0;
  }

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const form = new URLSearchParams(raw);
      if (this.failures > 0 || this.failTopic?.(form.get('TopicArn') ?? '')) {
        if (this.failures > 0) this.failures--;
        res.writeHead(500, { 'content-type': 'text/xml' });
        res.end(
          '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>injected</Message></Error><RequestId>x</RequestId></ErrorResponse>',
        );
        return;
      }
      if (form.get('Action') !== 'Publish') {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>only Publish is supported</Message></Error></ErrorResponse>`,
        );
        return;
      }
      const attributes: Record<string, string> = {};
      for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
        attributes[form.get(`MessageAttributes.entry.${i}.Name`)!] = form.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
      }
      const message = form.get('Message') ?? '';
      const structure = form.get('MessageStructure') ?? undefined;
      const entry: ReceivedPublish = { topicArn: form.get('TopicArn') ?? '', message, attributes };
      if (form.has('PhoneNumber')) entry.phoneNumber = form.get('PhoneNumber')!;
      if (form.has('Subject')) entry.subject = form.get('Subject')!;
      if (structure) {
        entry.messageStructure = structure;
        if (structure === 'json') entry.bodies = JSON.parse(message) as Record<string, string>;
      }
      this.published.push(entry);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
    this.endpoint = await listenLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
