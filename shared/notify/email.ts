import { stepId } from '#shared/alerting/lifecycle';
import type { Channel } from '#shared/config/schema';
import { formatDuration } from '#shared/model/duration';
import type { Notice } from '#shared/model/items';
import { CONTACT_STATUS, contactCount } from '#shared/model/task';
import {
  asciiSafe,
  HEADINGS,
  ORDER,
  STATUS_WORDS,
  sortNotices,
  stateInWords,
  stateLabel,
  subjectName,
  taskInWords,
  zonedTime,
} from './format';

export interface RenderContext {
  channel: Channel;
  now: number;
  /** Source id -> IANA timezone: times are shown local to the source, with the zone named. */
  timezones: Record<string, string>;
  /** Signed acknowledge links for open alerts, where the deployment has the endpoint. */
  ackLink?: (n: Notice) => string | undefined;
  /** The channel's open-alerts page, where the deployment has the endpoint. */
  pageLink?: string;
  /** Whether a rule targets vendor codes (`vendorStates`, `reasons`): only then are codes shown. */
  showCodes?: (ruleId: string) => boolean;
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
  const lead = ` - ${subjectName(worst)} ${asciiSafe(stateInWords(worst, false) || stateLabel(worst))}${worst.forSec > 0 ? ` ${formatDuration(worst.forSec)}` : ''}`;
  const subject = asciiSafe(head + lead);
  return subject.length < 100 ? subject : `${subject.slice(0, 96)}...`;
}

/** An email lists at most this many alerts, worst first; the rest are counted. */
export const EMAIL_MAX_ROWS = 300;

/**
 * A digest for people reading on a phone: a summary line, the link to the channel's open alerts,
 * then one short block per alert (who, state in words, for how long, since when in the source's
 * time, the rule, why it escalated, its acknowledge link), worst first. Plain text, short lines.
 */
export function renderEmail(notices: readonly Notice[], ctx: RenderContext, maxRows = EMAIL_MAX_ROWS): string {
  const sorted = sortNotices(notices);
  const shown = new Set(sorted.slice(0, maxRows));
  const summary = ORDER.map((s) => [s, notices.filter((n) => n.status === s).length] as const)
    .filter(([, c]) => c > 0)
    .map(([s, c]) => `${c} ${STATUS_WORDS[s]}`)
    .join(', ');
  const lines = [`ccwatch ${ctx.channel.id}: ${summary}`, `as of ${zonedTime(ctx.now, commonZone(notices, ctx))}`, ''];
  if (ctx.pageLink) lines.push(`Everything open for ${ctx.channel.id}: ${ctx.pageLink}`, '');
  for (const status of ORDER) {
    const all = sorted.filter((n) => n.status === status);
    if (!all.length) continue;
    const group = all.filter((n) => shown.has(n));
    lines.push(`${HEADINGS[status]} (${all.length})`);
    if (group.length < all.length) lines.push(`(the ${group.length} longest-running shown; ${all.length - group.length} more not listed)`);
    for (const n of group) lines.push('', ...renderBlock(n, ctx));
    lines.push('');
  }
  lines.push('--');
  const delayed = notices.filter((n) => n.dueAt !== undefined);
  if (delayed.length)
    lines.push(
      `Delayed: ${delayed.map((n) => `${n.episodeId} ${n.status} was due ${new Date(n.dueAt!).toISOString().slice(11, 16)} UTC`).join('; ')} (an earlier run could not send them).`,
    );
  if (notices.some((n) => n.agent?.inferred)) lines.push('~ state inferred from time-per-state reports (NXCloud offers no live state).');
  lines.push('From a terminal: ccwatch ack <alert id> [--for 30m].');
  // the same step ids in two messages mean one was delivered twice, not that something new happened
  lines.push(
    `Steps: ${sortNotices(notices)
      .map((n) => stepId(n.episodeId, n.step))
      .join(' ')}`,
  );
  return lines.join('\n');
}

/** The zone of the header's time: the sources' own when they all share one, else UTC. */
function commonZone(notices: readonly Notice[], ctx: RenderContext): string {
  const zones = new Set(notices.map((n) => ctx.timezones[n.source] ?? 'UTC'));
  return zones.size === 1 ? [...zones][0]! : 'UTC';
}

/** Who (and where), for the first line of a block. */
export function who(n: Notice): string {
  return n.subjectName === n.subjectId ? n.subjectId : `${n.subjectName} (${n.subjectId})`;
}

function renderBlock(n: Notice, ctx: RenderContext): string[] {
  const tz = ctx.timezones[n.source] ?? 'UTC';
  const since = zonedTime(n.startedAt, tz);
  const sev = n.status === 'resolved' ? '' : `, ${n.severity}`;
  const rule = `Rule ${n.ruleId}${sev}${n.why ? `: escalated, ${n.why}` : ''}`;
  const ack = n.status !== 'resolved' ? ctx.ackLink?.(n) : undefined;
  const alert = ack ? `Alert ${n.episodeId}, acknowledge or snooze: ${ack}` : `Alert ${n.episodeId}`;
  if (n.status === 'resolved' && n.closed) {
    const subject = n.kind === 'source' ? n.subjectName : `${n.kind === 'task' ? 'Task ' : ''}${who(n)} · ${n.source}`;
    return [subject, `  Closed after ${formatDuration(n.forSec)}: ${n.closed}`, `  Rule ${n.ruleId}`, `  ${alert}`];
  }
  if (n.kind === 'source') {
    return [
      n.subjectName,
      n.status === 'resolved'
        ? `  Answering again, after ${formatDuration(n.forSec)} down`
        : `  Not answering since ${since}${n.detail ? `: ${n.detail}` : ''}`,
      `  ${alert}`,
    ];
  }
  if (n.kind === 'task') return renderTaskBlock(n, rule, alert);
  const where = [n.source, ...(n.agent?.groups.length ? [n.agent.groups.join(', ')] : [])].join(' · ');
  const state = stateInWords(n, ctx.showCodes?.(n.ruleId) ?? false);
  const what =
    n.status === 'resolved'
      ? `  Now ${state || 'out of the rule'}, after ${formatDuration(n.forSec)}`
      : `  ${capitalize(state)} for ${formatDuration(n.forSec)}, since ${since}`;
  return [`${who(n)} · ${where}`, what, `  ${rule}`, `  ${alert}`];
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function renderTaskBlock(n: Notice, rule: string, alert: string): string[] {
  const t = n.task!;
  const out = [
    `Task ${who(n)} · ${n.source}`,
    `  ${taskInWords(t)}`,
    `  Not called ${contactCount(t.counts, CONTACT_STATUS.notCalled)}, in progress ${contactCount(t.counts, CONTACT_STATUS.inProgress)}, called ${contactCount(t.counts, CONTACT_STATUS.called)}`,
  ];
  if (t.note) out.push(`  ${t.note}`);
  if (t.topReasons.length) out.push(`  Top reasons: ${t.topReasons.map((r) => `${r.reason} (${r.count})`).join(', ')}`);
  if (t.examples.length) {
    out.push('  Latest abnormal contacts:');
    out.push(...t.examples.map((e) => `    ${e.calledMasked}  ${e.errorReason ?? ''}${e.agentName ? `  agent ${e.agentName}` : ''}`));
  }
  out.push(`  ${rule}`, `  ${alert}`);
  return out;
}
