import type { Notice, NoticeStatus } from '#shared/alerting/agents';
import type { Channel } from '#shared/config/schema';
import { formatDuration } from '#shared/model/duration';
import { fitsOneSegment } from './sms-length';

export interface RenderedMessage {
  subject: string;
  email: string;
  sms: string;
}

const ORDER: NoticeStatus[] = ['escalated', 'firing', 'repeat', 'resolved'];
const HEADINGS: Record<NoticeStatus, string> = { escalated: 'ESCALATED', firing: 'FIRING', repeat: 'STILL FIRING', resolved: 'RESOLVED' };

/** Worst first: escalations, new alerts, repeats, then the longest-running. */
export function sortNotices(notices: readonly Notice[]): Notice[] {
  return [...notices].sort(
    (a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || b.forSec - a.forSec || a.subjectId.localeCompare(b.subjectId),
  );
}

function stateLabel(n: Notice): string {
  if (n.kind === 'source') return 'source down';
  if (n.kind === 'task' && n.task) return `${n.task.counts['7'] ?? 0} abnormal`;
  if (!n.agent) return '';
  const code = n.agent.vendorState !== n.agent.state ? `(${n.agent.vendorState})` : '';
  const reason = n.agent.reason ? ` ${n.agent.reason}` : '';
  return `${n.status === 'resolved' ? 'now ' : ''}${n.agent.state}${code}${reason}${n.agent.inferred ? ' ~' : ''}`;
}

/** Subjects must be ASCII, one line, under 100 characters. */
function asciiSafe(text: string): string {
  return text
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function subjectName(n: Notice): string {
  const ascii = asciiSafe(n.subjectName);
  return ascii || n.subjectId;
}

function localTime(ms: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell + ' '.repeat(widths[c]! - [...cell].length))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export interface RenderContext {
  channel: Channel;
  now: number;
  /** Source id -> IANA timezone, for "since" columns. */
  timezones: Record<string, string>;
  /** Signed acknowledge links for open alerts, where the deployment has the endpoint. */
  ackLink?: (n: Notice) => string | undefined;
}

export function renderSubject(notices: readonly Notice[], channel: Channel): string {
  const sorted = sortNotices(notices);
  const worst = sorted[0]!;
  const counts = ORDER.map((s) => [s, notices.filter((n) => n.status === s).length] as const).filter(([, c]) => c > 0);
  const sev = notices.some((n) => n.severity === 'critical' && n.status !== 'resolved')
    ? 'CRITICAL'
    : notices.every((n) => n.status === 'resolved')
      ? 'OK'
      : 'WARNING';
  const head = `[ccwatch ${channel.id}] ${sev}: ${counts.map(([s, c]) => `${c} ${s}`).join(', ')}`;
  const lead = ` - ${subjectName(worst)} ${asciiSafe(stateLabel(worst))}${worst.forSec > 0 ? ` ${formatDuration(worst.forSec)}` : ''}`;
  const subject = asciiSafe(head + lead);
  return subject.length < 100 ? subject : `${subject.slice(0, 96)}...`;
}

/** An email lists at most this many alerts, worst first; the rest are counted. */
export const EMAIL_MAX_ROWS = 300;

export function renderEmail(notices: readonly Notice[], ctx: RenderContext, maxRows = EMAIL_MAX_ROWS): string {
  const sorted = sortNotices(notices);
  const shown = new Set(sorted.slice(0, maxRows));
  const lines = [
    `ccwatch: ${notices.length} change${notices.length === 1 ? '' : 's'} at ${new Date(ctx.now).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
  ];
  for (const status of ORDER) {
    const all = sorted.filter((n) => n.status === status);
    if (!all.length) continue;
    const group = all.filter((n) => shown.has(n));
    lines.push(`${HEADINGS[status]} (${all.length})`);
    if (group.length < all.length) lines.push(`(the ${group.length} longest-running shown; ${all.length - group.length} more not listed)`);
    const agents = group.filter((n) => n.kind === 'agent');
    if (agents.length) {
      lines.push(
        table([
          ['Alert', 'Agent', 'Source', 'Group', 'State', 'For', 'Since', 'Rule', 'Severity'],
          ...agents.map((n) => [
            n.episodeId,
            n.subjectName === n.subjectId ? n.subjectId : `${n.subjectName} (${n.subjectId})`,
            n.source,
            n.agent?.groups.join(', ') || '-',
            stateLabel(n),
            formatDuration(n.forSec),
            localTime(n.startedAt, ctx.timezones[n.source] ?? 'UTC'),
            n.ruleId,
            n.severity,
          ]),
        ]),
      );
    }
    for (const n of group.filter((x) => x.kind === 'source')) {
      lines.push(
        `${n.episodeId}  source ${n.source} is down since ${localTime(n.startedAt, ctx.timezones[n.source] ?? 'UTC')}: ${n.detail ?? ''}`,
      );
    }
    for (const n of group.filter((x) => x.kind === 'task')) lines.push(...renderTaskBlock(n));
    lines.push('');
  }
  const links = ctx.ackLink
    ? sorted
        .filter((n) => shown.has(n) && n.status !== 'resolved')
        .flatMap((n) => {
          const url = ctx.ackLink!(n);
          return url ? [`  ${n.episodeId}  ${url}`] : [];
        })
    : [];
  if (links.length) lines.push('Acknowledge or snooze (stops repeats and escalation):', ...links, '');
  const delayed = notices.filter((n) => n.dueAt !== undefined);
  if (delayed.length)
    lines.push(
      `Delayed: ${delayed.map((n) => `${n.episodeId} ${n.status} was due ${new Date(n.dueAt!).toISOString().slice(11, 16)} UTC`).join('; ')} (an earlier publish failed).`,
    );
  if (notices.some((n) => n.agent?.inferred)) lines.push('~ state inferred from time-per-state reports (NXCloud offers no live state).');
  lines.push("Start times are in each source's timezone. From a terminal: ccwatch ack <alert id> [--for 30m].");
  return lines.join('\n');
}

function renderTaskBlock(n: Notice): string[] {
  const t = n.task!;
  const out = [
    `${n.episodeId}  task ${n.subjectName === n.subjectId ? n.subjectId : `${n.subjectName} (${n.subjectId})`} on ${n.source}, rule ${n.ruleId}, ${n.severity}`,
    `  contacts: not called ${t.counts['5'] ?? 0}, in progress ${t.counts['1'] ?? 0}, called ${t.counts['9'] ?? 0}, abnormal ${t.counts['7'] ?? 0}`,
    `  abnormal share of attempted: ${(t.share * 100).toFixed(1)}% of ${t.attempted}` +
      (t.growth ? `; +${t.growth.by} in the last ${formatDuration(t.growth.withinSec)}` : ''),
  ];
  if (t.note) out.push(`  ${t.note}`);
  if (t.topReasons.length) out.push(`  top reasons: ${t.topReasons.map((r) => `${r.reason} (${r.count})`).join(', ')}`);
  if (t.examples.length) {
    out.push('  latest abnormal contacts:');
    out.push(...t.examples.map((e) => `    ${e.calledMasked}  ${e.errorReason ?? ''}${e.agentName ? `  agent ${e.agentName}` : ''}`));
  }
  return out;
}

function smsItem(n: Notice): string {
  if (n.kind === 'task' && n.task)
    return `task ${n.subjectId} ${n.task.counts['7'] ?? 0} abn${n.task.growth ? ` +${n.task.growth.by}/${formatDuration(n.task.growth.withinSec)}` : ''} [${n.episodeId}]`;
  if (n.kind === 'source') return `${n.source} DOWN [${n.episodeId}]`;
  return `${n.subjectName} ${n.agent?.state ?? ''} ${formatDuration(n.forSec)} [${n.episodeId}]`;
}

/**
 * One SMS segment: counts, then the worst cases while they fit, then "+K more".
 * The budget includes the "DisplayName> " prefix SNS adds, and drops to 70 when any
 * character (a Chinese agent name, say) forces UCS-2.
 */
export function renderSms(notices: readonly Notice[], channel: Channel): string {
  const sorted = sortNotices(notices);
  const open = sorted.filter((n) => n.status !== 'resolved');
  const resolved = sorted.length - open.length;
  const head = open.some((n) => n.severity === 'critical') ? 'CRIT' : open.length ? 'WARN' : 'OK';
  const counts = [open.length ? `${open.length} open` : '', resolved ? `${resolved} resolved` : ''].filter(Boolean).join(', ');
  let text = `${head} ${counts}`;
  const items = open.length ? open : sorted;
  let shown = 0;
  for (const n of items) {
    const rest = items.length - shown - 1;
    const candidate = `${text}${shown === 0 ? ': ' : '; '}${smsItem(n)}`;
    const withMore = rest > 0 ? `${candidate} +${rest} more` : candidate;
    if (!fitsOneSegment(withMore, channel.displayName)) break;
    text = candidate;
    shown++;
  }
  const more = items.length - shown;
  if (more > 0 && shown < items.length) {
    const withMore = `${text} +${more} more`;
    text = fitsOneSegment(withMore, channel.displayName) ? withMore : text;
  }
  return text;
}

/** SNS takes at most 256 KiB per message; the JSON of all protocol bodies must fit, with room to spare. */
export const SNS_MESSAGE_BUDGET = 240 * 1024;

export function snsMessageBytes(m: RenderedMessage): number {
  return Buffer.byteLength(JSON.stringify({ default: m.email, email: m.email, sms: m.sms }));
}

/** One channel's message, with the email cut to fit SNS's limit however many alerts changed. */
export function renderDigest(notices: readonly Notice[], ctx: RenderContext): RenderedMessage {
  const subject = renderSubject(notices, ctx.channel);
  const sms = renderSms(notices, ctx.channel);
  let rows = EMAIL_MAX_ROWS;
  let message = { subject, email: renderEmail(notices, ctx, rows), sms };
  while (snsMessageBytes(message) > SNS_MESSAGE_BUDGET && rows > 1) {
    rows = Math.floor(rows / 2);
    message = { subject, email: renderEmail(notices, ctx, rows), sms };
  }
  return message;
}
