import type { AckLink, PageLink } from '#shared/ack/link';
import type { Channel } from '#shared/config/schema';
import type { Notice } from '#shared/model/items';
import { EMAIL_MAX_ROWS, type RenderContext, renderEmail, renderSubject } from './email';
import { renderSms } from './sms';
import type { TargetKind } from './targets';

/** Everything one target of a channel is told in one run: one publish. */
export interface Digest {
  channel: Channel;
  /** Where it goes: the channel's SNS topic, PagerDuty, Opsgenie or its chat topic. */
  target: TargetKind;
  notices: Notice[];
  /** The email and SMS bodies (SNS); other targets render their own from the notices. */
  message: RenderedMessage;
  /** Acknowledge link of an open alert, and the channel's open-alerts page, where deployed with the endpoint. */
  ackLink?: AckLink;
  pageUrl?: string;
}

/** Whether a channel takes a notice (or an open episode): its severity, and the channel's source and kind filters. */
export function channelTakes(channel: Channel, n: Pick<Notice, 'severity' | 'source' | 'kind'>): boolean {
  return (
    channel.severities.includes(n.severity) &&
    (!channel.sources.length || channel.sources.includes(n.source)) &&
    (!channel.kinds.length || channel.kinds.includes(n.kind))
  );
}

export interface DigestContext {
  now: number;
  timezones: Record<string, string>;
  ackLink?: AckLink | undefined;
  pageLink?: PageLink | undefined;
  showCodes?: RenderContext['showCodes'] | undefined;
}

/** One target's digest of the notices owed to it (already routed: by severity, or by a policy's level). */
export function digestFor(channel: Channel, target: TargetKind, notices: readonly Notice[], c: DigestContext): Digest {
  const pageUrl = c.pageLink?.(channel);
  const ctx: RenderContext = {
    channel,
    now: c.now,
    timezones: c.timezones,
    ...(c.ackLink ? { ackLink: c.ackLink } : {}),
    ...(pageUrl ? { pageLink: pageUrl } : {}),
    ...(c.showCodes ? { showCodes: c.showCodes } : {}),
  };
  // SNS carries the rendered email and SMS; the other targets render the notices their own way
  const message = target === 'sns' ? renderDigest(notices, ctx) : { subject: renderSubject(notices, channel), email: '', sms: '' };
  return {
    channel,
    target,
    notices: [...notices],
    message,
    ...(c.ackLink ? { ackLink: c.ackLink } : {}),
    ...(pageUrl ? { pageUrl } : {}),
  };
}

/** Routes each notice to the channels that take it by severity and filters, and renders one SNS digest per channel. */
export function buildDigests(
  notices: readonly Notice[],
  channels: readonly Channel[],
  now: number,
  timezones: Record<string, string>,
  ackLink?: AckLink,
  extra: Pick<RenderContext, 'showCodes'> & { pageLink?: PageLink | undefined } = {},
): Digest[] {
  const out: Digest[] = [];
  for (const channel of channels) {
    const mine = notices.filter((n) => channelTakes(channel, n));
    if (mine.length) out.push(digestFor(channel, 'sns', mine, { now, timezones, ackLink, ...extra }));
  }
  return out;
}

export interface RenderedMessage {
  subject: string;
  email: string;
  sms: string;
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
