import type { Channel } from '#shared/config/schema';
import { formatDuration } from '#shared/model/duration';
import type { Notice } from '#shared/model/items';
import { CONTACT_STATUS, contactCount } from '#shared/model/task';
import { asciiSafe, HEADINGS, localTime, ORDER, sortNotices, stateLabel, subjectName } from './format';

/** A plain-text table; column widths by code point so CJK names line up as well as they can. */
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
      `Delayed: ${delayed.map((n) => `${n.episodeId} ${n.status} was due ${new Date(n.dueAt!).toISOString().slice(11, 16)} UTC`).join('; ')} (an earlier run could not send them).`,
    );
  if (notices.some((n) => n.agent?.inferred)) lines.push('~ state inferred from time-per-state reports (NXCloud offers no live state).');
  lines.push("Start times are in each source's timezone. From a terminal: ccwatch ack <alert id> [--for 30m].");
  // the same step ids in two messages mean one was delivered twice, not that something new happened
  lines.push(
    `Steps: ${sortNotices(notices)
      .map((n) => `${n.episodeId}#${n.step}`)
      .join(' ')}`,
  );
  return lines.join('\n');
}

function renderTaskBlock(n: Notice): string[] {
  const t = n.task!;
  const out = [
    `${n.episodeId}  task ${n.subjectName === n.subjectId ? n.subjectId : `${n.subjectName} (${n.subjectId})`} on ${n.source}, rule ${n.ruleId}, ${n.severity}`,
    `  contacts: not called ${contactCount(t.counts, CONTACT_STATUS.notCalled)}, in progress ${contactCount(t.counts, CONTACT_STATUS.inProgress)}, called ${contactCount(t.counts, CONTACT_STATUS.called)}, abnormal ${contactCount(t.counts, CONTACT_STATUS.abnormal)}`,
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
