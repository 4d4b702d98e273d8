import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelSchema } from '#shared/config/schema';
import type { Notice } from '#shared/model/items';
import { digestFor } from '#shared/notify/digest';
import { OpsgeniePublisher } from '#shared/notify/opsgenie';
import { OpsgenieEndpoint } from '../../local/opsgenie-endpoint';
import { captureLog } from '../support/harness';
import { agentNotice, T0 } from '../support/notices';

const KEY = 'eb243592-faa2-4ba2-a551q-1afdf565c889';
const SECRETS: Record<string, string> = { 'og/key': `${KEY}\n`, 'og/empty': '  ' };

describe('Opsgenie delivery (Alert API)', () => {
  let og: OpsgenieEndpoint;
  let publisher: OpsgeniePublisher;
  const log = captureLog();
  const digest = (notices: Notice[], secret = 'og/key') =>
    digestFor(
      ChannelSchema.parse({ id: 'oncall', severities: ['critical'], opsgenie: { apiKeySecretId: secret, url: og.url } }),
      'opsgenie',
      notices,
      { now: T0, timezones: {}, ackLink: (n) => `https://ack.example/?t=${n.episodeId}`, pageLink: () => 'https://ack.example/?c=oncall' },
    );

  beforeAll(async () => {
    og = await new OpsgenieEndpoint(KEY).start();
    publisher = new OpsgeniePublisher({
      loadSecret: async (id) => SECRETS[id],
      log,
      httpSettings: { backoffBaseMs: 1, backoffMaxMs: 5, deadlineMs: 2_000 },
    });
  });
  afterAll(async () => {
    await publisher.close();
    await og.stop();
  });
  beforeEach(() => {
    og.clear();
    log.lines.length = 0;
  });

  it('creates one alert per ccwatch alert, aliased by its id, with the GenieKey and what a person needs', async () => {
    const out = await publisher.publish(
      digest([
        agentNotice(),
        agentNotice({ episodeId: 'P3RTQ9', severity: 'warning' }),
        agentNotice({ episodeId: 'W2XYZ4', severity: 'info' }),
      ]),
    );
    expect(out).toEqual({ failed: [] });
    expect(og.received).toHaveLength(3);
    const r = og.received.find((x) => x.alias === 'K7M2QX')!;
    expect(r.action).toBe('create');
    expect(r.authorization).toBe(`GenieKey ${KEY}`);
    const b = r.body as Record<string, any>;
    expect(b.message).toBe('Alice Chen (1001) on break: Meal for 17m - source hw-main, rule long-break');
    expect(b.message.length).toBeLessThanOrEqual(130);
    expect(b.source).toBe('ccwatch');
    expect(b.priority).toBe('P1');
    expect(b.entity).toBe('agent Alice Chen (1001)');
    expect(b.tags).toEqual(['ccwatch', 'agent', 'hw-main', 'long-break', 'critical', 'hotline']);
    expect(b.details).toMatchObject({
      agent: 'Alice Chen',
      agentId: '1001',
      groups: 'hotline',
      state: 'on break: Meal',
      duration: '17m',
      step: 'K7M2QX#1',
    });
    expect(Object.values(b.details).every((v) => typeof v === 'string')).toBe(true);
    expect(b.description).toContain('Acknowledge or snooze in ccwatch: https://ack.example/?t=K7M2QX');
    expect(b.description).toContain('Everything open for oncall: https://ack.example/?c=oncall');
    const prio = Object.fromEntries(og.received.map((x) => [x.alias, (x.body as { priority: string }).priority]));
    expect(prio).toEqual({ K7M2QX: 'P1', P3RTQ9: 'P3', W2XYZ4: 'P5' });
  });

  it('a long name keeps the message within 130 characters', async () => {
    await publisher.publish(digest([agentNotice({ subjectName: 'N'.repeat(400) })]));
    expect((og.received[0]!.body as { message: string }).message.length).toBeLessThanOrEqual(130);
  });

  it('acknowledges and closes by alias', async () => {
    await publisher.publish(
      digest([
        agentNotice({ status: 'acknowledged', ackedBy: 'Ann', step: 2 }),
        agentNotice({ episodeId: 'P3RTQ9', status: 'resolved', step: 3 }),
      ]),
    );
    const ack = og.received.find((x) => x.action === 'acknowledge')!;
    expect(ack.alias).toBe('K7M2QX');
    expect(ack.query).toEqual({ identifierType: 'alias' });
    expect(ack.body).toMatchObject({ source: 'ccwatch', note: 'Acknowledged in ccwatch by Ann.' });
    const close = og.received.find((x) => x.action === 'close')!;
    expect(close.alias).toBe('P3RTQ9');
    expect(close.body).toMatchObject({ user: 'ccwatch', source: 'ccwatch' });
    expect((close.body as { note: string }).note).toMatch(/^Resolved in ccwatch: RESOLVED: Alice Chen/);
  });

  it('an escalation raises the priority of the alert Opsgenie already has (a deduplicated create keeps its first)', async () => {
    const escalated = agentNotice({
      episodeId: 'P3RTQ9',
      status: 'escalated',
      severity: 'critical',
      step: 2,
      why: 'not acknowledged after 10m',
    });
    expect(await publisher.publish(digest([agentNotice({ status: 'repeat', severity: 'warning', step: 2 }), escalated]))).toEqual({
      failed: [],
    });
    const forP3 = og.received.filter((x) => x.alias === 'P3RTQ9');
    expect(forP3.map((x) => x.action)).toEqual(['create', 'priority']);
    expect(forP3[1]!.body).toEqual({ priority: 'P1' });
    expect(forP3[1]!.query).toEqual({ identifierType: 'alias' });
    // a repeat changes nothing about the priority
    expect(og.received.filter((x) => x.alias === 'K7M2QX').map((x) => x.action)).toEqual(['create']);
  });

  it('an escalation whose priority update fails is owed again as a whole', async () => {
    const escalated = agentNotice({ status: 'escalated', step: 2, why: 'not acknowledged after 10m' });
    // the create goes through; the priority update meets a persistent 503
    og.passNext(1);
    og.failNext(3, { status: 503 });
    expect(await publisher.publish(digest([escalated]))).toEqual({ failed: ['K7M2QX#2'] });
    expect(og.received.map((x) => x.action)).toEqual(['create']);
  });

  it('retries 429 and 500; the alert goes out', async () => {
    og.failNext(1, { status: 429, retryAfter: 0 });
    og.failNext(1, { status: 503 });
    expect(await publisher.publish(digest([agentNotice()]))).toEqual({ failed: [] });
    expect(og.requests).toBe(3);
    expect(og.received).toHaveLength(1);
  });

  it('a persistent 500 returns the step as failed', async () => {
    og.failNext(3, { status: 500 });
    expect(await publisher.publish(digest([agentNotice()]))).toEqual({ failed: ['K7M2QX#1'] });
    expect(og.requests).toBe(3);
  });

  it('a 422 (invalid request) is logged, not retried, not failed', async () => {
    og.failNext(1, { status: 422 });
    expect(await publisher.publish(digest([agentNotice()]))).toEqual({ failed: [] });
    expect(og.requests).toBe(1);
    expect(log.lines.some((l) => l.startsWith('error Opsgenie refused the alert step as invalid'))).toBe(true);
  });

  it('a refused key (401) is not retried now, and the steps wait for the key to be fixed', async () => {
    const wrong = new OpsgeniePublisher({ loadSecret: async () => 'not-the-key', log, httpSettings: { backoffBaseMs: 1 } });
    expect(await wrong.publish(digest([agentNotice()]))).toEqual({ failed: ['K7M2QX#1'] });
    expect(og.requests).toBe(1);
    await wrong.close();
  });

  it('an empty key is "not configured": nothing is sent', async () => {
    await expect(publisher.publish(digest([agentNotice()], 'og/empty'))).rejects.toThrow(/not configured/);
    expect(og.requests).toBe(0);
  });
});
