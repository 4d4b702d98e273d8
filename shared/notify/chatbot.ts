import { createHash } from 'node:crypto';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { stepId } from '#shared/alerting/lifecycle';
import { formatDuration } from '#shared/model/duration';
import type { Notice, NoticeStatus } from '#shared/model/items';
import type { Severity } from '#shared/model/severity';
import { cleanVendorText } from '#shared/vendors/http';
import type { Digest } from './digest';
import { HEADINGS, ORDER, STATUS_WORDS, sortNotices, stateInWords, taskInWords } from './format';
import type { Publisher } from './publishers';
import { targetKey } from './targets';

/**
 * AWS Chatbot (Amazon Q Developer in chat applications) custom notification: the JSON Chatbot
 * renders in Slack and Microsoft Teams when it is the plain body of a message on a topic a chat
 * configuration reads. `version` "1.0" and `source` "custom" are required; the rest is optional.
 */
export interface ChatbotNotification {
  version: '1.0';
  source: 'custom';
  /** Unique event id: the same for a retried publish of the same steps. */
  id: string;
  content: {
    /** The only type Chatbot supports: the chat client's own markdown. */
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps: string[];
    keywords: string[];
  };
  metadata: {
    /** Updates with the same id go to one thread (the channel's preferences allow it). */
    threadId?: string;
    /** The short line of push notifications and previews. */
    summary: string;
    eventType: string;
    relatedResources: string[];
    additionalContext: Record<string, string>;
  };
}

/**
 * Sizes the message is held to. Slack draws a notification with Block Kit: a section's text is at
 * most 3,000 characters and a header's 150; the description and the next steps stay under those
 * with room for Chatbot's own decoration. Teams' 28 KB card limit is then far off.
 */
export const CHAT_LIMITS = {
  title: 150,
  description: 2800,
  /** Alerts described one by one; the rest are counted. */
  alerts: 10,
  /** Acknowledge links listed in the next steps; the open-alerts page has the rest. */
  ackLinks: 5,
  nextSteps: 2800,
  /** A vendor's text (a name, a reason, an error) in one line. */
  field: 80,
  keywords: 6,
  relatedResources: 20,
} as const;

const TITLE_WORDS: Record<NoticeStatus, string> = {
  escalated: 'Escalated',
  firing: 'New alert',
  repeat: 'Still open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
};

/**
 * Text from a vendor or a person, made inert in Slack's and Teams' markdown: one line, no
 * `<...>` (Slack links, `<!channel>` and user mentions, HTML in Teams), no `@` mentions, and the
 * emphasis, code and link characters swapped for look-alikes (Slack has no backslash escape, and
 * the same message goes to both). Capped to `max` characters.
 */
export function chatSafe(text: string, max: number = CHAT_LIMITS.field): string {
  // one line, without control or invisible characters (bidi overrides, zero-width), as vendor text is everywhere
  const one = cleanVendorText(text, Number.MAX_SAFE_INTEGER)
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .replace(/@/g, '＠')
    .replace(/\*/g, '∗')
    .replace(/`/g, 'ˋ')
    .replace(/~/g, '∼')
    .replace(/\|/g, '¦')
    .replace(/\[/g, '［')
    .replace(/\]/g, '］')
    // `_italic_` needs an underscore at a word's edge; one inside a word (agent_1001) stays
    .replace(/(^|[^\p{L}\p{N}])_|_(?=[^\p{L}\p{N}]|$)/gu, (m) => m.replace('_', '＿'));
  return capText(one, max);
}

/** The worst severity among the alerts still open (resolved ones count only when all are). */
function worstSeverity(notices: readonly Notice[]): Severity {
  const open = notices.filter((n) => n.status !== 'resolved');
  const pool = open.length ? open : notices;
  return pool.some((n) => n.severity === 'critical') ? 'critical' : pool.some((n) => n.severity === 'warning') ? 'warning' : 'info';
}

/** A glance at the colour of the message: red or orange while something is open, green when all resolved. */
function marker(notices: readonly Notice[]): string {
  if (notices.every((n) => n.status === 'resolved')) return '✅';
  if (notices.every((n) => n.status === 'resolved' || n.status === 'acknowledged')) return '☑️';
  const sev = worstSeverity(notices);
  return sev === 'critical' ? '🔴' : sev === 'warning' ? '🟠' : '🔵';
}

function capText(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** "Alice Wong (1001)", or the id alone where the vendor gives no other name. */
function who(n: Notice): string {
  const name = chatSafe(n.subjectName, 60);
  const id = chatSafe(n.subjectId, 40);
  return !name || name === id ? id : `${name} (${id})`;
}

/** What is wrong (or no longer), in words: "on break: Meal for 1h 15m". */
function condition(n: Notice): string {
  const held = formatDuration(n.forSec);
  if (n.status === 'resolved' && n.closed) return `closed after ${held}: ${chatSafe(n.closed, 160)}`;
  if (n.kind === 'source') {
    if (n.status === 'resolved') return `answering again, after ${held} down`;
    return `not answering${n.forSec > 0 ? ` for ${held}` : ''}${n.detail ? `: ${chatSafe(n.detail, 160)}` : ''}`;
  }
  if (n.kind === 'task' && n.task) {
    const t = n.task;
    const what = taskInWords(t);
    return n.status === 'resolved' ? `back within the rule after ${held} (now ${what})` : what;
  }
  const state = n.agent ? chatSafe(stateInWords(n, false), 120) : '';
  if (n.status === 'resolved') return `now ${state || 'out of the rule'}, after ${held}`;
  return state ? `${state} for ${held}` : `for ${held}`;
}

/** One alert in one line: who and where, what, the rule, why it escalated, who acknowledged, its id. */
export function chatLine(n: Notice): string {
  const where = [chatSafe(n.source, 40), ...(n.agent?.groups.length ? [chatSafe(n.agent.groups.join(', '), 60)] : [])].join(' · ');
  const subject =
    n.kind === 'source'
      ? `Source ${chatSafe(n.subjectName || n.source, 60)}`
      : n.kind === 'task'
        ? `Task ${who(n)} · ${where}`
        : `${who(n)} · ${where}`;
  const rule = `Rule ${chatSafe(n.ruleId, 60)}${n.status === 'resolved' ? '' : ` (${n.severity})`}`;
  const parts = [rule];
  if (n.status === 'escalated' && n.why) parts.push(`escalated: ${chatSafe(n.why, 100)}`);
  if (n.status === 'acknowledged') parts.push(`acknowledged${n.ackedBy ? ` by ${chatSafe(n.ackedBy, 60)}` : ''}`);
  if (n.dueAt !== undefined) parts.push(`delayed, was due ${new Date(n.dueAt).toISOString().slice(11, 16)} UTC`);
  return `• *${HEADINGS[n.status]}* ${subject} — ${condition(n)}. ${parts.join('; ')}. Alert ${chatSafe(n.episodeId, 40)}`;
}

function title(notices: readonly Notice[], channelId: string): string {
  const mark = marker(notices);
  if (notices.length === 1) {
    const n = notices[0]!;
    const subject = n.kind === 'source' ? `source ${chatSafe(n.subjectName || n.source, 40)}` : who(n);
    return capText(`${mark} ${TITLE_WORDS[n.status]}: ${subject}, ${condition(n)} (${channelId})`, CHAT_LIMITS.title);
  }
  const counts = ORDER.map((s) => [s, notices.filter((n) => n.status === s).length] as const)
    .filter(([, c]) => c > 0)
    .map(([s, c]) => `${c} ${STATUS_WORDS[s]}`)
    .join(', ');
  return capText(`${mark} ${notices.length} alerts: ${counts} (${channelId})`, CHAT_LIMITS.title);
}

/** One line per alert, worst first, within CHAT_LIMITS; the alerts left out are counted. */
function description(sorted: readonly Notice[], pageUrl: string | undefined): string {
  const lines: string[] = [];
  let size = 0;
  const tail = (left: number) => `…and ${left} more${pageUrl ? ' (all of them on the open-alerts page)' : ''}.`;
  for (const [i, n] of sorted.entries()) {
    const line = chatLine(n);
    const left = sorted.length - i;
    // keep room for the "and N more" line whenever something would be left out
    const room = CHAT_LIMITS.description - (left > 1 ? tail(left).length + 1 : 0);
    if (i >= CHAT_LIMITS.alerts || size + line.length + 1 > room) {
      lines.push(tail(left));
      break;
    }
    lines.push(line);
    size += line.length + 1;
  }
  const text = lines.join('\n');
  // one alert alone longer than the budget (it is not: its fields are capped), cut all the same
  return capText(text, CHAT_LIMITS.description);
}

/** The open-alerts page, then the acknowledge links of the open alerts, worst first. */
function nextSteps(d: Digest, sorted: readonly Notice[]): string[] {
  const steps: string[] = [];
  if (d.pageUrl) steps.push(`Everything open for ${d.channel.id}, to acknowledge or snooze: ${d.pageUrl}`);
  const open = sorted.filter((n) => n.status !== 'resolved' && n.status !== 'acknowledged');
  const links = open.flatMap((n) => {
    const url = d.ackLink?.(n);
    return url ? [{ n, url }] : [];
  });
  let size = steps.join('\n').length;
  let listed = 0;
  for (const { n, url } of links) {
    const step = `Acknowledge ${chatSafe(n.episodeId, 40)} (${who(n)}): ${url}`;
    if (listed >= CHAT_LIMITS.ackLinks || size + step.length + 1 > CHAT_LIMITS.nextSteps - 120) break;
    steps.push(step);
    size += step.length + 1;
    listed++;
  }
  if (listed < links.length)
    steps.push(
      `${links.length - listed} more to acknowledge${d.pageUrl ? ' on the open-alerts page' : ' from a terminal: ccwatch ack <alert id>'}`,
    );
  if (open.length && !links.length && !d.pageUrl) steps.push('From a terminal: ccwatch ack <alert id> [--for 30m]');
  return steps;
}

/** A retried publish of the same steps carries the same id; one alert's step is its own id. */
function eventId(sorted: readonly Notice[]): string {
  const steps = sorted.map((n) => stepId(n.episodeId, n.step));
  if (steps.length === 1) return `ccwatch-${steps[0]}`;
  return `ccwatch-${createHash('sha256')
    .update([...steps].sort().join(' '))
    .digest('hex')
    .slice(0, 24)}`;
}

/**
 * A digest as AWS Chatbot's custom notification: a title that counts the alerts by state, one
 * line per alert in words (capped, with the rest counted), the open-alerts page and acknowledge
 * links as next steps. A digest of one alert is threaded by its episode id, so an alert's
 * escalation, acknowledgment and resolve follow it in one thread.
 */
export function renderChatbotMessage(d: Digest): ChatbotNotification {
  if (!d.notices.length) throw new Error(`channel "${d.channel.id}": a chat message needs at least one alert`);
  const sorted = sortNotices(d.notices);
  const head = title(sorted, d.channel.id);
  const sources = [...new Set(sorted.map((n) => n.source))];
  const statuses = ORDER.filter((s) => sorted.some((n) => n.status === s));
  const steps = sorted.map((n) => stepId(n.episodeId, n.step));
  const single = sorted.length === 1 ? sorted[0] : undefined;
  return {
    version: '1.0',
    source: 'custom',
    id: eventId(sorted),
    content: {
      textType: 'client-markdown',
      title: head,
      description: description(sorted, d.pageUrl),
      nextSteps: nextSteps(d, sorted),
      keywords: [worstSeverity(sorted), d.channel.id, ...sources.map((s) => chatSafe(s, 30))].slice(0, CHAT_LIMITS.keywords),
    },
    metadata: {
      ...(single ? { threadId: single.episodeId } : {}),
      // a push notification's line: no markdown, no marker
      summary: head.replace(/^\S+ /, ''),
      eventType: single ? `ccwatch.alert.${single.status}` : 'ccwatch.alert.digest',
      relatedResources: [...new Set(sorted.map((n) => n.episodeId))].slice(0, CHAT_LIMITS.relatedResources),
      additionalContext: {
        channel: d.channel.id,
        severity: worstSeverity(sorted),
        statuses: statuses.join(','),
        sources: sources.join(',').slice(0, 200),
        alerts: String(sorted.length),
        // the same step ids in two messages mean one was delivered twice, not that something new happened
        steps: capText(steps.join(' '), 1000),
      },
    },
  };
}

/**
 * Publishes a digest to its channel's chat topic (`<channel>:chat` in the topics the functions
 * are given), which AWS Chatbot reads. The body is the custom notification JSON alone, as a plain
 * message: Chatbot takes nothing else (no message structure, no subject).
 */
export class ChatbotPublisher implements Publisher {
  constructor(
    private readonly sns: SNSClient,
    /** Target key (`<channel>:chat`) -> topic ARN; the SNS topics' keys may be in it too. */
    private readonly topics: Record<string, string>,
  ) {}

  async publish(digest: Digest, signal?: AbortSignal): Promise<undefined> {
    const key = targetKey(digest.channel.id, 'chat');
    const topicArn = this.topics[key];
    if (!topicArn) throw new Error(`no chat topic configured for channel "${digest.channel.id}" (${key})`);
    await this.sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(renderChatbotMessage(digest)) }), {
      abortSignal: signal,
    });
    return undefined;
  }
}
