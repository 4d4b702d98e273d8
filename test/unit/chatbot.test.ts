import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ChannelSchema } from '#shared/config/schema';
import type { Notice } from '#shared/model/items';
import { CHAT_LIMITS, chatSafe, renderChatbotMessage } from '#shared/notify/chatbot';
import { type DigestContext, digestFor } from '#shared/notify/digest';

/**
 * AWS Chatbot's custom notification event, as its guide gives it: version "1.0" and source
 * "custom" required, content and metadata of strings (lists and a string map). Strict: a field
 * Chatbot does not know is a mistake here.
 */
const CustomNotification = z
  .object({
    version: z.literal('1.0'),
    source: z.literal('custom'),
    id: z.string().optional(),
    content: z
      .object({
        textType: z.literal('client-markdown').optional(),
        title: z.string().optional(),
        description: z.string().min(1),
        nextSteps: z.array(z.string()).optional(),
        keywords: z.array(z.string()).optional(),
      })
      .strict(),
    metadata: z
      .object({
        threadId: z.string().optional(),
        summary: z.string().optional(),
        eventType: z.string().optional(),
        relatedResources: z.array(z.string()).optional(),
        additionalContext: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const T = Date.UTC(2026, 10, 23, 9, 0);
const channel = ChannelSchema.parse({
  id: 'ops-oncall',
  severities: ['warning', 'critical'],
  chat: { slackWorkspaceId: 'T0123ABCDE', slackChannelId: 'C0123ABCDE' },
});

function notice(i: number, p: Partial<Notice> = {}): Notice {
  return {
    status: 'firing',
    severity: 'critical',
    kind: 'agent',
    source: 'huawei',
    subjectId: String(1000 + i),
    subjectName: `Agent ${i}`,
    ruleId: 'long-break',
    episodeId: `E${String(i).padStart(5, '0')}`,
    step: 1,
    startedAt: T - (20 + i) * 60_000,
    forSec: (20 + i) * 60,
    agent: { groups: ['hotline'], state: 'break', vendorState: '5', reason: 'Meal' },
    ...p,
  };
}

const links: Pick<DigestContext, 'ackLink' | 'pageLink'> = {
  ackLink: (n) => `https://ack.example.com/?t=${n.episodeId}`,
  pageLink: (c) => `https://ack.example.com/?c=${c.id}`,
};
const render = (notices: Notice[], ctx: Partial<DigestContext> = links) =>
  renderChatbotMessage(digestFor(channel, 'chat', notices, { now: T, timezones: {}, ...ctx }));

describe('the Chatbot custom notification', () => {
  it('is the custom-notification event: version 1.0, source custom, client markdown, strings only', () => {
    const m = render([notice(1, { status: 'escalated', why: 'not acknowledged within 10m' }), notice(2), notice(3)]);
    expect(CustomNotification.parse(JSON.parse(JSON.stringify(m)))).toEqual(m);
    expect(m).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
  });

  it('says in its title how many alerts in which state, and for which channel', () => {
    const m = render([notice(1, { status: 'escalated', why: 'not acknowledged within 10m' }), notice(2), notice(3)]);
    expect(m.content.title).toBe('🔴 3 alerts: 1 escalated, 2 new (ops-oncall)');
    expect(m.metadata.summary).toBe('3 alerts: 1 escalated, 2 new (ops-oncall)');
    expect(m.metadata.eventType).toBe('ccwatch.alert.digest');
    // several alerts are not one thread
    expect(m.metadata.threadId).toBeUndefined();
    expect(render([notice(1, { severity: 'warning' }), notice(2, { severity: 'warning' })]).content.title).toMatch(/^🟠 2 alerts: 2 new/);
    expect(render([notice(1, { status: 'resolved' }), notice(2, { status: 'resolved' })]).content.title).toBe(
      '✅ 2 alerts: 2 resolved (ops-oncall)',
    );
  });

  it('describes each alert in words, worst first: who, where, state, how long, rule, why escalated, id', () => {
    const m = render([notice(2), notice(1, { status: 'escalated', why: 'not acknowledged within 10m' })]);
    const [first, second] = m.content.description.split('\n');
    expect(first).toBe(
      '• *ESCALATED* Agent 1 (1001) · huawei · hotline — on break: Meal for 21m. Rule long-break (critical); escalated: not acknowledged within 10m. Alert E00001',
    );
    expect(second).toBe('• *FIRING* Agent 2 (1002) · huawei · hotline — on break: Meal for 22m. Rule long-break (critical). Alert E00002');
  });

  it('says who acknowledged, what resolved, a task in numbers and a source that stopped answering', () => {
    const lines = render([
      notice(1, { status: 'acknowledged', ackedBy: 'bob' }),
      notice(2, { status: 'resolved', agent: { groups: [], state: 'idle', vendorState: '1' } }),
      notice(3, {
        kind: 'task',
        subjectId: '88',
        subjectName: 'Renewals',
        ruleId: 'abnormal-share',
        agent: undefined,
        task: {
          counts: { '7': 42, '5': 100, '9': 198 },
          attempted: 340,
          share: 0.1235,
          growth: { by: 10, withinSec: 300 },
          topReasons: [],
          examples: [],
        },
      }),
      notice(4, {
        kind: 'source',
        subjectId: 'huawei',
        subjectName: 'huawei (agent-status)',
        ruleId: 'source-down',
        forSec: 0,
        agent: undefined,
        detail: '3 failed runs in a row; last: timeout',
      }),
    ]).content.description.split('\n');
    expect(lines).toContain(
      '• *FIRING* Task Renewals (88) · huawei — 42 abnormal contacts, 12.3% of 340 attempted; +10 in the last 5m. Rule abnormal-share (critical). Alert E00003',
    );
    expect(lines).toContain(
      '• *FIRING* Source huawei (agent-status) — not answering: 3 failed runs in a row; last: timeout. Rule source-down (critical). Alert E00004',
    );
    expect(lines).toContain(
      '• *ACKNOWLEDGED* Agent 1 (1001) · huawei · hotline — on break: Meal for 21m. Rule long-break (critical); acknowledged by bob. Alert E00001',
    );
    expect(lines.at(-1)).toBe('• *RESOLVED* Agent 2 (1002) · huawei — now available, after 22m. Rule long-break. Alert E00002');
  });

  it('one alert: its own title, threaded by its episode, with its acknowledge link', () => {
    const m = render([notice(7, { status: 'escalated', why: 'not acknowledged within 10m' })]);
    expect(m.content.title).toBe('🔴 Escalated: Agent 7 (1007), on break: Meal for 27m (ops-oncall)');
    expect(m.metadata).toMatchObject({ threadId: 'E00007', eventType: 'ccwatch.alert.escalated', relatedResources: ['E00007'] });
    expect(m.id).toBe('ccwatch-E00007#1');
    expect(m.content.nextSteps).toEqual([
      'Everything open for ops-oncall, to acknowledge or snooze: https://ack.example.com/?c=ops-oncall',
      'Acknowledge E00007 (Agent 7 (1007)): https://ack.example.com/?t=E00007',
    ]);
    // the resolve of the same alert lands in the same thread, with nothing to acknowledge
    const resolved = render([notice(7, { status: 'resolved', step: 4 })]);
    expect(resolved.metadata.threadId).toBe('E00007');
    expect(resolved.content.title).toMatch(/^✅ Resolved: Agent 7 \(1007\), now on break: Meal, after 27m/);
    expect(resolved.content.nextSteps).toEqual([
      'Everything open for ops-oncall, to acknowledge or snooze: https://ack.example.com/?c=ops-oncall',
    ]);
  });

  it('the same steps give the same event id; other steps another', () => {
    const a = render([notice(1), notice(2)]);
    expect(render([notice(2), notice(1)]).id).toBe(a.id);
    expect(render([notice(1), notice(2, { step: 2, status: 'repeat' })]).id).not.toBe(a.id);
    expect(a.metadata.additionalContext).toMatchObject({ channel: 'ops-oncall', alerts: '2', steps: 'E00002#1 E00001#1' });
  });

  it('lists the first 10 alerts and counts the rest; 5 acknowledge links, the page for the rest', () => {
    const m = render(Array.from({ length: 40 }, (_, i) => notice(i)));
    const lines = m.content.description.split('\n');
    expect(lines).toHaveLength(CHAT_LIMITS.alerts + 1);
    expect(lines.at(-1)).toBe('…and 30 more (all of them on the open-alerts page).');
    // the longest-running first
    expect(lines[0]).toContain('Agent 39 (1039)');
    expect(m.content.nextSteps).toHaveLength(1 + CHAT_LIMITS.ackLinks + 1);
    expect(m.content.nextSteps.at(-1)).toBe('35 more to acknowledge on the open-alerts page');
  });

  it('stays within the Slack block sizes with long vendor text', () => {
    const long = 'Ж'.repeat(500);
    const m = render(
      Array.from({ length: 60 }, (_, i) =>
        notice(i, {
          subjectName: long,
          agent: { groups: [long], state: 'other', vendorState: long, reason: long },
          why: long,
          status: 'escalated',
        }),
      ),
    );
    expect([...m.content.title].length).toBeLessThanOrEqual(CHAT_LIMITS.title);
    expect(m.content.description.length).toBeLessThanOrEqual(3000);
    expect(m.content.nextSteps.join('\n').length).toBeLessThanOrEqual(3000);
    expect(m.content.description).toMatch(/…and \d+ more/);
    // SNS takes 256 KiB; this is far under it
    expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThan(16 * 1024);
  });

  it('without the acknowledge endpoint: the terminal command, no links', () => {
    const m = render([notice(1)], {});
    expect(m.content.nextSteps).toEqual(['From a terminal: ccwatch ack <alert id> [--for 30m]']);
    expect(JSON.stringify(m)).not.toContain('https://');
  });

  it('makes vendor text inert in Slack and Teams markdown: no mentions, links, emphasis or new lines', () => {
    const m = render([
      notice(1, {
        subjectName: '<!channel> *boss* `x` ~y~ _z_ [p](https://evil.example) @here',
        agent: { groups: ['a|b'], state: 'break', vendorState: '5', reason: 'Lunch\n• *FIRING* fake line <https://evil.example|click>' },
      }),
    ]);
    const d = m.content.description;
    expect(d.split('\n')).toHaveLength(1);
    for (const bad of ['<!channel>', '*boss*', '`x`', '~y~', ' _z_', '[p](', '@here', '<https', '|click', 'a|b'])
      expect(d).not.toContain(bad);
    expect(d).toContain('‹!channel› ∗boss∗ ˋxˋ ∼y∼ ＿z＿ ［p］(https://evil.example) ＠he…');
    expect(m.content.title).not.toContain('<!channel>');
    // an underscore inside a word is no emphasis, and stays
    expect(chatSafe('agent_1001 _x_')).toBe('agent_1001 ＿x＿');
    expect(chatSafe('a'.repeat(200), 10)).toBe(`${'a'.repeat(9)}…`);
  });

  it('a delayed step says when it was due', () => {
    const m = render([notice(1, { dueAt: Date.UTC(2026, 10, 23, 8, 55) })]);
    expect(m.content.description).toContain('delayed, was due 08:55 UTC');
  });
});
