import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelSchema } from '#shared/config/schema';
import type { Notice } from '#shared/model/items';
import { digestFor } from '#shared/notify/digest';
import { PagerDutyPublisher } from '#shared/notify/pagerduty';
import { PagerDutyEndpoint } from '../../local/pagerduty-endpoint';
import { captureLog } from '../support/harness';
import { agentNotice, T0 } from '../support/notices';

const KEY = 'R0UT1NGKEY0123456789abcdef012345';
const SECRETS: Record<string, string> = { 'pd/key': `  ${KEY}\n`, 'pd/placeholder': 'REPLACE_ME' };

describe('PagerDuty delivery (Events API v2)', () => {
  let pd: PagerDutyEndpoint;
  let publisher: PagerDutyPublisher;
  const log = captureLog();
  const channel = (secret = 'pd/key') =>
    ChannelSchema.parse({ id: 'oncall', severities: ['critical'], pagerduty: { routingKeySecretId: secret, url: pd.url } });
  const digest = (notices: Notice[], secret?: string) =>
    digestFor(channel(secret), 'pagerduty', notices, {
      now: T0 + 17 * 60_000,
      timezones: {},
      ackLink: (n) => `https://ack.example/?t=${n.episodeId}`,
      pageLink: () => 'https://ack.example/?c=oncall',
    });

  beforeAll(async () => {
    pd = await new PagerDutyEndpoint().start();
    publisher = new PagerDutyPublisher({
      loadSecret: async (id) => SECRETS[id],
      log,
      now: () => T0 + 17 * 60_000,
      httpSettings: { backoffBaseMs: 1, backoffMaxMs: 5, deadlineMs: 2_000 },
    });
  });
  afterAll(async () => {
    await publisher.close();
    await pd.stop();
  });
  beforeEach(() => {
    pd.clear();
    log.lines.length = 0;
  });

  it('triggers one event per alert, keyed by the alert id, with what the on-call person needs in words', async () => {
    const out = await publisher.publish(
      digest([agentNotice(), agentNotice({ episodeId: 'P3RTQ9', subjectId: '1002', subjectName: '1002', severity: 'warning' })]),
    );
    expect(out).toEqual({ failed: [] });
    expect(pd.events).toHaveLength(2);
    const { event } = pd.events.find((e) => e.event.dedup_key === 'K7M2QX')!;
    expect(event.routing_key).toBe(KEY);
    expect(event.event_action).toBe('trigger');
    expect(event.client).toBe('ccwatch');
    expect(event.payload!.summary).toBe('Alice Chen (1001) on break: Meal for 17m - source hw-main, rule long-break');
    expect(event.payload!.severity).toBe('critical');
    expect(event.payload!.source).toBe('hw-main');
    expect(event.payload!.class).toBe('long-break');
    expect(event.payload!.group).toBe('hotline');
    expect(event.payload!.timestamp).toBe(new Date(T0 + 17 * 60_000).toISOString());
    expect(event.payload!.custom_details).toMatchObject({
      agent: { name: 'Alice Chen', id: '1001', groups: ['hotline'] },
      state: 'on break: Meal',
      duration: '17m',
      rule: 'long-break',
      step: 'K7M2QX#1',
    });
    expect(event.links).toEqual([
      { href: 'https://ack.example/?t=K7M2QX', text: 'Acknowledge or snooze in ccwatch' },
      { href: 'https://ack.example/?c=oncall', text: 'Everything open for oncall in ccwatch' },
    ]);
    expect(pd.events.find((e) => e.event.dedup_key === 'P3RTQ9')!.event.payload!.severity).toBe('warning');
  });

  it('escalations say so; acknowledgments and resolves act on the same dedup key', async () => {
    await publisher.publish(
      digest([
        agentNotice({ status: 'escalated', step: 3, why: 'not acknowledged within 20m', forSec: 35 * 60 }),
        agentNotice({ episodeId: 'P3RTQ9', status: 'acknowledged', ackedBy: 'Ann', step: 2 }),
        agentNotice({ episodeId: 'W2XYZ4', status: 'resolved', step: 4, agent: { groups: [], state: 'idle', vendorState: 'idle' } }),
      ]),
    );
    const by = Object.fromEntries(pd.events.map((e) => [e.event.dedup_key, e.event]));
    expect(by.K7M2QX!.event_action).toBe('trigger');
    expect(by.K7M2QX!.payload!.summary).toMatch(/^ESCALATED: Alice Chen \(1001\) on break: Meal for 35m/);
    expect(by.K7M2QX!.payload!.custom_details!.why).toBe('not acknowledged within 20m');
    expect(by.P3RTQ9).toEqual({ routing_key: KEY, event_action: 'acknowledge', dedup_key: 'P3RTQ9', client: 'ccwatch' });
    expect(by.W2XYZ4).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: 'W2XYZ4', client: 'ccwatch' });
  });

  it('keeps the summary within 1024 characters', async () => {
    await publisher.publish(digest([agentNotice({ subjectName: 'N'.repeat(3000) })]));
    expect(pd.events[0]!.event.payload!.summary!.length).toBeLessThanOrEqual(1024);
  });

  it('retries a 429 (honouring Retry-After) and a 500, and the event goes out', async () => {
    pd.failNext(1, { status: 429, retryAfter: 0 });
    pd.failNext(1, { status: 500 });
    const out = await publisher.publish(digest([agentNotice()]));
    expect(out).toEqual({ failed: [] });
    expect(pd.requests).toBe(3);
    expect(pd.events).toHaveLength(1);
  });

  it('a persistent 500 returns the step as failed, after three attempts, and the other steps go out', async () => {
    pd.failNext(3, { status: 500 });
    const out = await publisher.publish(digest([agentNotice()]));
    expect(out).toEqual({ failed: ['K7M2QX#1'] });
    expect(pd.requests).toBe(3);
    expect(log.lines.some((l) => l.startsWith('warn PagerDuty did not take'))).toBe(true);
  });

  it('a Retry-After longer than a run should wait leaves the step for the next run at once', async () => {
    pd.failNext(1, { status: 429, retryAfter: 60 });
    const out = await publisher.publish(digest([agentNotice()]));
    expect(out).toEqual({ failed: ['K7M2QX#1'] });
    expect(pd.requests).toBe(1);
  });

  it('a 400 (invalid event) is logged, not retried and not returned as failed', async () => {
    pd.failNext(1, { status: 400 });
    const out = await publisher.publish(digest([agentNotice()]));
    expect(out).toEqual({ failed: [] });
    expect(pd.requests).toBe(1);
    expect(log.lines.some((l) => l.startsWith('error PagerDuty refused the alert step as invalid') && l.includes('injected'))).toBe(true);
  });

  it('a routing key still the placeholder is "not configured": nothing is sent', async () => {
    await expect(publisher.publish(digest([agentNotice()], 'pd/placeholder'))).rejects.toThrow(/not configured/);
    expect(pd.requests).toBe(0);
  });

  it('an unreachable Events API fails the steps, within the deadline', async () => {
    const gone = new PagerDutyPublisher({
      loadSecret: async (id) => SECRETS[id],
      log,
      httpSettings: { backoffBaseMs: 1, backoffMaxMs: 5, deadlineMs: 1_000 },
    });
    const d = digestFor(
      ChannelSchema.parse({
        id: 'oncall',
        severities: ['critical'],
        pagerduty: { routingKeySecretId: 'pd/key', url: 'http://127.0.0.1:9' },
      }),
      'pagerduty',
      [agentNotice()],
      { now: T0, timezones: {} },
    );
    expect(await gone.publish(d)).toEqual({ failed: ['K7M2QX#1'] });
    await gone.close();
  });
});
