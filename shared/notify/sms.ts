import type { Channel } from '#shared/config/schema';
import { formatDuration } from '#shared/model/duration';
import type { Notice } from '#shared/model/items';
import { CONTACT_STATUS, contactCount } from '#shared/model/task';
import { sortNotices } from './format';
import { fitsOneSegment } from './sms-length';

function smsItem(n: Notice): string {
  if (n.status === 'resolved' && n.closed) return `${n.kind === 'source' ? n.subjectId : n.subjectName} closed [${n.episodeId}]`;
  if (n.kind === 'task' && n.task)
    return `task ${n.subjectId} ${contactCount(n.task.counts, CONTACT_STATUS.abnormal)} abn${n.task.growth ? ` +${n.task.growth.by}/${formatDuration(n.task.growth.withinSec)}` : ''} [${n.episodeId}]`;
  // the subject is the source, or the shard of it that is down
  if (n.kind === 'source') return `${n.subjectId} DOWN [${n.episodeId}]`;
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
