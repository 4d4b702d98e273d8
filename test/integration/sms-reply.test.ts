import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleInboundEvent, type SmsBatchReport, snsSmsSender } from '#shared/ack/sms-reply';
import type { Episode } from '#shared/model/items';
import { SnsPublisher } from '#shared/notify/publishers';
import { runAgentStatus } from '#shared/run/agent-status';
import type { ReceivedPublish } from '../../local/sns-endpoint';
import { type Harness, makeHarness, TOPICS } from '../support/harness';

const MIN = 60_000;
/** The two-way number alerts come from. */
const TWO_WAY = '+447700900999';
const ALICE = '+447700900123'; // supervisors: warning and critical
const BOB = '+447700900456'; // floor: warning only
const CAROL = '+8613800138000'; // oncall: critical only
const STRANGER = '+15555550100';
const FLOOR_TOPIC = 'arn:aws:sns:us-east-1:000000000000:ccwatch-floor';

describe('acknowledging by replying to the alert SMS', () => {
  let h: Harness;
  let sns: SNSClient;
  let n = 0;
  const ids: Record<string, string> = {};

  const runAt = async (minute: number) => {
    h.clock.set(h.clock.start + minute * MIN);
    // alert SMS go out from the two-way number, so that replies come back to it
    const publisher = new SnsPublisher(sns, { ...TOPICS, floor: FLOOR_TOPIC }, { originationNumber: TWO_WAY });
    await runAgentStatus(h.config, new Date(h.clock.now()).toISOString(), h.clock.now(), {
      store: h.store,
      publisher,
      readers: h.readers,
      log: h.log,
    });
    return h.take();
  };
  const event = (...messages: unknown[]) => ({
    Records: messages.map((m) => ({
      EventSource: 'aws:sns',
      Sns: { MessageId: `sns-${++n}`, Message: typeof m === 'string' ? m : JSON.stringify(m) },
    })),
  });
  const sms = (from: string, body: string, to = TWO_WAY) => ({
    originationNumber: from,
    destinationNumber: to,
    messageKeyword: 'KEYWORD_000000000000',
    messageBody: body,
    inboundMessageId: `in-${++n}`,
    previousPublishedMessageId: 'prev',
  });
  const inbound = async (...messages: unknown[]): Promise<{ report: SmsBatchReport; sent: ReceivedPublish[] }> => {
    const report = await handleInboundEvent(event(...messages), {
      store: h.store,
      config: h.config,
      originationNumber: TWO_WAY,
      now: h.clock.now,
      send: snsSmsSender(sns, TWO_WAY),
      log: h.log,
    });
    return { report, sent: h.take() };
  };
  const episode = async (subject: string): Promise<Episode> => (await h.store.episodes.findEpisode(ids[subject]!))[0]!.episode;

  beforeAll(async () => {
    h = await makeHarness({
      config: (url) => ({
        sources: [{ id: 'hw-main', vendor: 'huawei', baseUrl: url, secretId: 'test/huawei', ccId: 1, vdn: 170, agentIds: ['1001-1005'] }],
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m', escalateAfter: '30m' }],
        channels: [
          { id: 'supervisors', severities: ['warning', 'critical'], emails: ['lead@acme.example'], sms: [ALICE] },
          { id: 'floor', severities: ['warning'], sms: [BOB] },
          { id: 'oncall', severities: ['critical'], sms: [CAROL] },
        ],
        sms: { twoWay: { originationNumber: TWO_WAY } },
      }),
    });
    sns = new SNSClient({ endpoint: h.sns.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    h.sim.setState('huawei', '1001', h.clock.start, 'break');
    h.sim.setState('huawei', '1005', h.clock.start, 'break');
    h.sim.setState('huawei', '1002', h.clock.start + 2 * MIN, 'break');
    const alerts = await runAt(15);
    expect(alerts.map((m) => m.topicArn).sort()).toEqual([FLOOR_TOPIC, TOPICS.supervisors]);
    for (const m of alerts) expect(m.attributes['AWS.MM.SMS.OriginationNumber']).toBe(TWO_WAY);
    await runAt(17);
    for (const e of await h.store.episodes.openEpisodes()) ids[e.subjectId] = e.episodeId;
    expect(Object.keys(ids).sort()).toEqual(['1001', '1002', '1005']);
  });
  afterAll(async () => {
    sns.destroy();
    await h.stop();
  });

  it('ACK <id> from a number the alert was sent to acknowledges it and answers from the two-way number', async () => {
    const { report, sent } = await inbound(sms(ALICE, `ack ${ids['1001']!.toLowerCase()}`));
    expect(report.handled[0]!.outcome).toMatchObject({ action: 'replied', result: 'acked', episodeId: ids['1001'] });
    const e = await episode('1001');
    expect(e.ackedBy).toBe('sms:********0123');
    expect(e.snoozeUntil).toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topicArn: '', phoneNumber: ALICE });
    expect(sent[0]!.attributes).toEqual({ 'AWS.MM.SMS.OriginationNumber': TWO_WAY, 'AWS.SNS.SMS.SMSType': 'Transactional' });
    expect(sent[0]!.message).toBe(`Acknowledged ${ids['1001']}: 1001 on break 17m. No repeats or escalation until it resolves.`);
    const history = (await h.store.episodes.findEpisode(ids['1001']!))[0]!.events;
    expect(history.find((ev) => ev.event === 'acked')).toMatchObject({ by: 'sms:********0123', at: h.clock.now() });
  });

  it('bare ACK acknowledges the latest alert sent to that number', async () => {
    const { report, sent } = await inbound(sms(ALICE, '  ACK  '));
    expect(report.handled[0]!.outcome).toMatchObject({ result: 'acked', episodeId: ids['1002'] });
    expect((await episode('1002')).ackedBy).toBe('sms:********0123');
    expect(sent.map((m) => m.phoneNumber)).toEqual([ALICE]);
  });

  it('SNOOZE <id> 30m snoozes, and says until when in the source timezone', async () => {
    const { sent } = await inbound(sms(BOB, `SNOOZE ${ids['1001']} 30m`));
    const e = await episode('1001');
    expect(e.snoozeUntil).toBe(h.clock.now() + 30 * MIN);
    expect(e.ackedBy).toBe('sms:********0456');
    // 09:17 UTC now; the source's timezone is UTC
    expect(sent.map((m) => [m.phoneNumber, m.message])).toEqual([[BOB, `Snoozed ${ids['1001']} until 09:47 UTC: 1001 on break 17m.`]]);
  });

  it('a number on a channel the alert did not go to is told there is no such alert, and nothing changes', async () => {
    const before = await episode('1005');
    const { report, sent } = await inbound(sms(CAROL, `ACK ${ids['1005']}`));
    expect(report.handled[0]!.outcome).toMatchObject({ result: 'no-alert' });
    expect(sent.map((m) => [m.phoneNumber, m.message])).toEqual([[CAROL, `No open alert ${ids['1005']}.`]]);
    expect(await episode('1005')).toEqual(before);
  });

  it('an unknown number gets no reply at all, and nothing changes', async () => {
    const before = await episode('1005');
    const { report, sent } = await inbound(sms(STRANGER, `ACK ${ids['1005']}`), sms(STRANGER, 'hello?'));
    expect(report.handled.map((r) => r.outcome)).toEqual([
      { action: 'ignored', reason: 'unknown-sender' },
      { action: 'ignored', reason: 'unknown-sender' },
    ]);
    expect(sent).toEqual([]);
    expect(await episode('1005')).toEqual(before);
  });

  it('a message to another number than the two-way number is ignored', async () => {
    const before = await episode('1005');
    const { report, sent } = await inbound(sms(ALICE, `ACK ${ids['1005']}`, '+447700900000'));
    expect(report.handled[0]!.outcome).toEqual({ action: 'ignored', reason: 'wrong-destination' });
    expect(sent).toEqual([]);
    expect(await episode('1005')).toEqual(before);
  });

  it('an unknown command from a subscribed number gets the one-line help', async () => {
    const { sent } = await inbound(sms(BOB, 'what is this'));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.message).toMatch(/^ccwatch: reply ACK <id>, SNOOZE <id> 30m, or ACK alone/);
  });

  it('a malformed record is logged with the field named and skipped; the others in the batch are handled', async () => {
    h.log.lines.length = 0;
    const { report, sent } = await inbound(
      { ...sms(ALICE, 'ACK'), originationNumber: 'alice' },
      'not json',
      sms(BOB, `ACK ${ids['1005']}`),
    );
    expect(report.malformed.map((m) => m.index)).toEqual([0, 1]);
    expect(report.malformed[0]!.problem).toMatch(/Records\[0\]\.Sns\.Message\.originationNumber/);
    expect(h.log.lines.filter((l) => l.startsWith('warn inbound SMS record skipped'))).toHaveLength(2);
    expect(report.handled.map((r) => r.outcome)).toMatchObject([{ result: 'acked', episodeId: ids['1005'] }]);
    expect(sent.map((m) => m.phoneNumber)).toEqual([BOB]);
    // no message body in the logs
    expect(h.log.lines.join('\n')).not.toContain(`ACK ${ids['1005']}`);
  });

  it('an alert that escalated past a channel still counts as sent to it (its history says so)', async () => {
    // a fresh alert, escalated from warning (floor) to critical (supervisors, oncall)
    h.sim.setState('huawei', '1003', h.clock.start + 3 * MIN, 'break');
    await runAt(18);
    ids['1003'] = (await h.store.episodes.openEpisodes()).find((e) => e.subjectId === '1003')!.episodeId;
    await runAt(33);
    expect((await episode('1003')).severity).toBe('critical');
    const { report, sent } = await inbound(sms(BOB, `ACK ${ids['1003']}`));
    expect(report.handled[0]!.outcome).toMatchObject({ result: 'acked', episodeId: ids['1003'] });
    expect(sent.map((m) => m.phoneNumber)).toEqual([BOB]);
  });
});
