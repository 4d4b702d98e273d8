import { describe, expect, it } from 'vitest';
import { HELP_TEXT, parseInboundEvent, parseSmsCommand, smsActor, untilText } from '#shared/ack/sms-reply';

describe('parsing an SMS reply', () => {
  it('ACK <id>, in any case and with extra spaces', () => {
    expect(parseSmsCommand('ACK K7M2QX')).toEqual({ verb: 'ack', episodeId: 'K7M2QX' });
    expect(parseSmsCommand('  ack   k7m2qx \n')).toEqual({ verb: 'ack', episodeId: 'K7M2QX' });
    expect(parseSmsCommand('Ack [K7M2QX]')).toEqual({ verb: 'ack', episodeId: 'K7M2QX' });
    expect(parseSmsCommand('ACK K7M2QX.')).toEqual({ verb: 'ack', episodeId: 'K7M2QX' });
  });

  it('SNOOZE <id> <duration>, durations as in the config', () => {
    expect(parseSmsCommand('SNOOZE K7M2QX 30m')).toEqual({ verb: 'snooze', episodeId: 'K7M2QX', snoozeSec: 1800 });
    expect(parseSmsCommand('snooze k7m2qx 2H')).toEqual({ verb: 'snooze', episodeId: 'K7M2QX', snoozeSec: 7200 });
    expect(parseSmsCommand('Snooze   K7M2QX    90s')).toEqual({ verb: 'snooze', episodeId: 'K7M2QX', snoozeSec: 90 });
  });

  it('bare ACK (and SNOOZE <duration>) mean the latest alert sent to the number', () => {
    expect(parseSmsCommand('ACK')).toEqual({ verb: 'ack' });
    expect(parseSmsCommand(' ack ')).toEqual({ verb: 'ack' });
    expect(parseSmsCommand('snooze 15m')).toEqual({ verb: 'snooze', snoozeSec: 900 });
  });

  it('anything else is answered with the help line', () => {
    for (const junk of ['', 'hello', 'ACK K7M2Q', 'ACK K7M2QX now', 'ACK 1OOOOO', 'SNOOZE K7M2QX', 'SNOOZE K7M2QX soon', 'SNOOZE'])
      expect(parseSmsCommand(junk).verb, junk).toBe('help');
    expect(parseSmsCommand('SNOOZE K7M2QX 3d')).toEqual({ verb: 'help', why: 'snooze at most 1d' });
    expect(HELP_TEXT.length).toBeLessThanOrEqual(160);
  });

  it('leaves the opt-out and help keywords to End User Messaging', () => {
    for (const k of ['STOP', 'stop', 'HELP', 'Unsubscribe', 'START']) expect(parseSmsCommand(k)).toEqual({ verb: 'keyword' });
  });
});

describe('the inbound SNS event', () => {
  const inbound = {
    originationNumber: '+447700900123',
    destinationNumber: '+447700900999',
    messageKeyword: 'KEYWORD_123456789012',
    messageBody: 'ACK K7M2QX',
    inboundMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
    previousPublishedMessageId: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  };
  const record = (message: unknown) => ({
    EventSource: 'aws:sns',
    Sns: { MessageId: 'm-1', Message: typeof message === 'string' ? message : JSON.stringify(message) },
  });

  it('parses each record on its own; a malformed one is named by its field and does not stop the rest', () => {
    const out = parseInboundEvent({
      Records: [
        record(inbound),
        record({ ...inbound, originationNumber: '07700 900123' }),
        record('not json'),
        { nope: 1 },
        record(inbound),
      ],
    });
    expect(out.map((r) => r.ok)).toEqual([true, false, false, false, true]);
    expect(out[0]).toEqual({ ok: true, sms: inbound });
    expect(out[1]).toMatchObject({ ok: false, index: 1, messageId: 'm-1' });
    expect((out[1] as { problem: string }).problem).toMatch(/Records\[1\]\.Sns\.Message\.originationNumber/);
    expect((out[2] as { problem: string }).problem).toMatch(/not JSON/);
    expect((out[3] as { problem: string }).problem).toMatch(/Records\[3\]\.Sns/);
  });

  it('is not an SNS event at all: one problem', () => {
    expect(parseInboundEvent({ hello: 1 })).toMatchObject([{ ok: false, index: -1 }]);
  });
});

describe('reply details', () => {
  it('records the replier as a masked number', () => {
    expect(smsActor('+447700900123')).toBe('sms:********0123');
  });

  it('says snooze ends in the source timezone, with the day when not today', () => {
    const now = Date.parse('2026-11-26T10:10:00Z');
    expect(untilText(now + 30 * 60_000, now, 'Europe/London')).toBe('10:40 Europe/London');
    expect(untilText(now + 20 * 3600_000, now, 'Europe/London')).toBe('27 Nov 06:10 Europe/London');
  });
});
