import type { Channel } from '#shared/config/schema';

/**
 * Where one channel's alerts are delivered: its SNS topic (email and SMS subscribers), PagerDuty,
 * Opsgenie, and the chat topic that AWS Chatbot reads. Each target of a channel is delivered and
 * recorded on its own: an outbox entry keeps the keys of the targets not yet told, so a PagerDuty
 * outage retries PagerDuty next run and never sends the email twice.
 */
export const TARGET_KINDS = ['sns', 'pagerduty', 'opsgenie', 'chat'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Tools that keep an incident of their own, told of acknowledgments so that theirs matches. */
export const INCIDENT_TARGETS: readonly TargetKind[] = ['pagerduty', 'opsgenie', 'chat'];

/** Tools whose open incident keeps paging until it is resolved: told of every resolve, even one nobody else hears of. */
export const PAGING_TARGETS: readonly TargetKind[] = ['pagerduty', 'opsgenie'];

/** The outbox key of a channel's target: the channel id for its SNS topic (as stored before targets), `id:kind` for the rest. */
export function targetKey(channelId: string, kind: TargetKind): string {
  return kind === 'sns' ? channelId : `${channelId}:${kind}`;
}

/**
 * A channel's targets. The SNS topic is one when the channel has email or SMS subscribers, or
 * nothing else (subscribers may be added to its topic outside ccwatch).
 */
export function targetsOf(channel: Channel): TargetKind[] {
  const others: TargetKind[] = [];
  if (channel.pagerduty) others.push('pagerduty');
  if (channel.opsgenie) others.push('opsgenie');
  if (channel.chat) others.push('chat');
  const sns = channel.emails.length > 0 || channel.sms.length > 0 || others.length === 0;
  return sns ? ['sns', ...others] : others;
}

/** Every target key of the configured channels. */
export function allTargetKeys(channels: readonly Channel[]): Set<string> {
  return new Set(channels.flatMap((c) => targetsOf(c).map((k) => targetKey(c.id, k))));
}

/** Whether any channel has a tool that keeps its own incident: acknowledgments are then passed on. */
export function relaysAcks(channels: readonly Channel[]): boolean {
  return channels.some((c) => targetsOf(c).some((k) => INCIDENT_TARGETS.includes(k)));
}
