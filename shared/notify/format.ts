import type { AgentState } from '#shared/model/agent';
import { formatDuration } from '#shared/model/duration';
import type { Notice, NoticeStatus, TaskNoticeDetail } from '#shared/model/items';
import { CONTACT_STATUS, contactCount } from '#shared/model/task';

/** What every renderer shares: order of statuses, state labels, ASCII-safe text, local times. */
export const ORDER: NoticeStatus[] = ['escalated', 'firing', 'repeat', 'acknowledged', 'resolved'];
export const HEADINGS: Record<NoticeStatus, string> = {
  escalated: 'ESCALATED',
  firing: 'FIRING',
  repeat: 'STILL FIRING',
  acknowledged: 'ACKNOWLEDGED',
  resolved: 'RESOLVED',
};

/** Worst first: escalations, new alerts, repeats, then the longest-running. */
export function sortNotices(notices: readonly Notice[]): Notice[] {
  return [...notices].sort(
    (a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || b.forSec - a.forSec || a.subjectId.localeCompare(b.subjectId),
  );
}

export function stateLabel(n: Notice): string {
  if (n.kind === 'source') return 'source down';
  if (n.kind === 'task' && n.task) return `${contactCount(n.task.counts, CONTACT_STATUS.abnormal)} abnormal`;
  if (!n.agent) return '';
  const code = n.agent.vendorState !== n.agent.state ? `(${n.agent.vendorState})` : '';
  const reason = n.agent.reason ? ` ${n.agent.reason}` : '';
  return `${n.status === 'resolved' ? 'now ' : ''}${n.agent.state}${code}${reason}${n.agent.inferred ? ' ~' : ''}`;
}

/** Subjects must be ASCII, one line, under 100 characters. */
export function asciiSafe(text: string): string {
  return text
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function subjectName(n: Notice): string {
  const ascii = asciiSafe(n.subjectName);
  return ascii || n.subjectId;
}

/** Agent states as a supervisor says them. */
export const STATE_WORDS: Record<AgentState, string> = {
  idle: 'available',
  busy: 'on a call',
  wrapup: 'in wrap-up',
  break: 'on break',
  offline: 'signed off',
  other: 'in another state',
};

/** What the summary line calls each status. */
export const STATUS_WORDS: Record<NoticeStatus, string> = {
  escalated: 'escalated',
  firing: 'new',
  repeat: 'still open',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
};

/**
 * An agent's state in words ("on break: Meal"); the vendor's codes follow only when the alert's
 * rule targets codes (`vendorStates`, `reasons`), since only then do they say something.
 */
export function stateInWords(n: Notice, showCodes: boolean): string {
  if (!n.agent) return '';
  const a = n.agent;
  const reason = a.reason
    ? `: ${a.reasonCode && a.reason.endsWith(` (${a.reasonCode})`) ? a.reason.slice(0, -(a.reasonCode.length + 3)) : a.reason}`
    : '';
  const codes = showCodes ? ` (vendor state ${a.vendorState}${a.reasonCode ? `, reason ${a.reasonCode}` : ''})` : '';
  return `${STATE_WORDS[a.state]}${reason}${codes}${a.inferred ? ' ~' : ''}`;
}

/** One formatter per timezone: building an Intl.DateTimeFormat costs ~100 times a format call. */
const zonedFormats = new Map<string, Intl.DateTimeFormat>();

/** "26 Nov, 09:40 GMT+8": local to a source, with its zone named (UTC where no source applies). */
export function zonedTime(ms: number, timezone = 'UTC'): string {
  let f = zonedFormats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      day: '2-digit',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    zonedFormats.set(timezone, f);
  }
  return f.format(ms);
}

/** "42 abnormal contacts, 12.5% of 336 attempted; +10 in the last 15m": a preview task's alert in words. */
export function taskInWords(t: TaskNoticeDetail, growth = true): string {
  const what = `${contactCount(t.counts, CONTACT_STATUS.abnormal)} abnormal contacts, ${(t.share * 100).toFixed(1)}% of ${t.attempted} attempted`;
  return growth && t.growth ? `${what}; +${t.growth.by} in the last ${formatDuration(t.growth.withinSec)}` : what;
}
