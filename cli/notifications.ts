import type { Notice } from '#shared/model/items';
import { SEVERITIES } from '#shared/model/severity';
import type { Digest } from '#shared/notify/digest';

/** One notification (a channel's digest) as one JSON line: the contract scripts rely on. */
export function notificationJson(d: Digest) {
  const severity = d.notices.reduce(
    (worst, n) => (SEVERITIES.indexOf(n.severity) > SEVERITIES.indexOf(worst) ? n.severity : worst),
    d.notices[0]!.severity,
  );
  return {
    channel: d.channel.id,
    /** sns (email and SMS), pagerduty, opsgenie or chat: a channel with several gets a line for each. */
    target: d.target,
    severity,
    subject: d.message.subject,
    sms: d.message.sms,
    email: d.message.email,
    alerts: d.notices.map(alertJson),
    /** `K7M2QX#3`: the alert steps this notification delivers; a repeated delivery carries the same. */
    steps: d.notices.map((n) => `${n.episodeId}#${n.step}`),
  };
}

function alertJson(n: Notice) {
  const base = {
    kind: n.kind,
    source: n.source,
    id: n.subjectId,
    status: n.status,
    rule: n.ruleId,
    episode: n.episodeId,
    step: n.step,
    severity: n.severity,
    // first due in an earlier run that could not send it
    ...(n.dueAt !== undefined ? { delayed: true, dueAt: new Date(n.dueAt).toISOString() } : {}),
  };
  if (n.kind === 'agent')
    return { ...base, name: n.subjectName, state: n.agent?.state, vendorState: n.agent?.vendorState, for: Math.round(n.forSec) };
  if (n.kind === 'task')
    return { ...base, name: n.subjectName, counts: n.task?.counts ?? {}, ...(n.task?.growth ? { growth: n.task.growth } : {}) };
  return { ...base, detail: n.detail };
}

/** The same notification for people: what the email and SMS subscribers would get, or what an on-call tool is sent. */
export function notificationText(d: Digest): string {
  if (d.target !== 'sns') {
    const lines = [`--- ${d.channel.id} -> ${d.target} ---`];
    for (const n of d.notices)
      lines.push(`${n.status} ${n.episodeId}: ${n.kind} ${n.subjectName} on ${n.source}, rule ${n.ruleId}, ${n.severity}`);
    return `${lines.join('\n')}\n`;
  }
  const lines = [`--- ${d.channel.id} ---`];
  if (d.channel.emails.length || !d.channel.sms.length) lines.push(`Subject: ${d.message.subject}`, d.message.email);
  if (d.channel.sms.length || !d.channel.emails.length) lines.push(`SMS: ${d.channel.displayName}> ${d.message.sms}`);
  return `${lines.join('\n')}\n`;
}
