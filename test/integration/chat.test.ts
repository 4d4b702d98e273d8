import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelSchema } from '#shared/config/schema';
import type { Notice } from '#shared/model/items';
import { ChatbotPublisher, renderChatbotMessage } from '#shared/notify/chatbot';
import { digestFor } from '#shared/notify/digest';
import { SnsPublisher, TargetPublisher } from '#shared/notify/publishers';
import { targetKey } from '#shared/notify/targets';
import { SnsEndpoint } from '../../local/sns-endpoint';

const T = Date.UTC(2026, 10, 23, 9, 0);
const ARN = 'arn:aws:sns:us-east-1:123456789012';
const channel = ChannelSchema.parse({
  id: 'oncall',
  severities: ['critical'],
  emails: ['lead@example.com'],
  chat: { slackWorkspaceId: 'T0123ABCDE', slackChannelId: 'C0123ABCDE' },
});
// the functions' topics as the stack gives them: the channel's SNS topic and its chat topic
const topics = { oncall: `${ARN}:Ccwatch-oncall`, [targetKey('oncall', 'chat')]: `${ARN}:Ccwatch-oncall-chat` };

const notice = (i: number, p: Partial<Notice> = {}): Notice => ({
  status: 'firing',
  severity: 'critical',
  kind: 'agent',
  source: 'huawei',
  subjectId: String(1000 + i),
  subjectName: `Agent ${i}`,
  ruleId: 'long-break',
  episodeId: `E${i}`,
  step: 1,
  startedAt: T - 20 * 60_000,
  forSec: 20 * 60,
  agent: { groups: [], state: 'break', vendorState: '5' },
  ...p,
});
const ctx = { now: T, timezones: {}, ackLink: (n: Notice) => `https://ack.example.com/?t=${n.episodeId}` };

describe('ChatbotPublisher against the SNS endpoint', () => {
  let endpoint: SnsEndpoint;
  let sns: SNSClient;
  beforeAll(async () => {
    endpoint = await new SnsEndpoint().start();
    sns = new SNSClient({
      endpoint: endpoint.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    sns.destroy();
    await endpoint.stop();
  });
  beforeEach(() => {
    endpoint.clear();
    endpoint.failTopic = undefined;
  });

  it('publishes the custom-notification JSON, plain, to the channel chat topic', async () => {
    const digest = digestFor(channel, 'chat', [notice(1, { status: 'escalated', why: 'not acknowledged within 10m' })], ctx);
    await expect(new ChatbotPublisher(sns, topics).publish(digest)).resolves.toBeUndefined();
    expect(endpoint.published).toHaveLength(1);
    const [p] = endpoint.published;
    expect(p!.topicArn).toBe(`${ARN}:Ccwatch-oncall-chat`);
    // Chatbot reads the body alone: no message structure, subject or attributes
    expect(p!.messageStructure).toBeUndefined();
    expect(p!.subject).toBeUndefined();
    expect(p!.attributes).toEqual({});
    const body = JSON.parse(p!.message);
    expect(body).toEqual(renderChatbotMessage(digest));
    expect(body).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: '🔴 Escalated: Agent 1 (1001), on break for 20m (oncall)' },
      metadata: { threadId: 'E1' },
    });
    expect(body.content.nextSteps).toContain('Acknowledge E1 (Agent 1 (1001)): https://ack.example.com/?t=E1');
  });

  it('next to the SNS target: each digest goes to its own topic in its own form', async () => {
    const publisher = new TargetPublisher({ sns: new SnsPublisher(sns, topics), chat: new ChatbotPublisher(sns, topics) });
    const notices = [notice(1), notice(2)];
    await publisher.publish(digestFor(channel, 'sns', notices, ctx));
    await publisher.publish(digestFor(channel, 'chat', notices, ctx));
    const [email, chat] = endpoint.published;
    expect(email).toMatchObject({ topicArn: `${ARN}:Ccwatch-oncall`, messageStructure: 'json' });
    expect(chat!.topicArn).toBe(`${ARN}:Ccwatch-oncall-chat`);
    expect(JSON.parse(chat!.message).content.title).toBe('🔴 2 alerts: 2 new (oncall)');
  });

  it('fails (so the run tries again) when the topic is missing or SNS refuses, and a retry carries the same event id', async () => {
    const digest = digestFor(channel, 'chat', [notice(1), notice(2)], ctx);
    await expect(new ChatbotPublisher(sns, { oncall: topics.oncall }).publish(digest)).rejects.toThrow(
      /no chat topic configured for channel "oncall" \(oncall:chat\)/,
    );
    endpoint.failTopic = (arn) => arn.endsWith('-chat');
    await expect(new ChatbotPublisher(sns, topics).publish(digest)).rejects.toThrow();
    expect(endpoint.published).toEqual([]);
    endpoint.failTopic = undefined;
    await new ChatbotPublisher(sns, topics).publish(digest);
    await new ChatbotPublisher(sns, topics).publish(digestFor(channel, 'chat', [notice(2), notice(1)], ctx));
    const [a, b] = endpoint.published.map((p) => JSON.parse(p.message).id);
    expect(a).toBe(b);
  });
});
