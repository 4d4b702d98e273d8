import type { AckLink, PageLink } from '#shared/ack/link';
import type { Channel } from '#shared/config/schema';
import type { Notice } from '#shared/model/items';
import { EMAIL_MAX_ROWS, type RenderContext, renderEmail, renderSubject } from './email';
import { renderSms } from './sms';

/** Everything one channel is told in one run: one publish. */
export interface Digest {
  channel: Channel;
  notices: Notice[];
  message: RenderedMessage;
}

/** Whether a channel takes a notice (or an open episode): its severity, and the channel's source and kind filters. */
export function channelTakes(channel: Channel, n: Pick<Notice, 'severity' | 'source' | 'kind'>): boolean {
  return (
    channel.severities.includes(n.severity) &&
    (!channel.sources.length || channel.sources.includes(n.source)) &&
    (!channel.kinds.length || channel.kinds.includes(n.kind))
  );
}

/** Routes each notice to the channels that take it and renders one digest per channel. */
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
    if (!mine.length) continue;
    const pageLink = extra.pageLink?.(channel);
    const ctx: RenderContext = {
      channel,
      now,
      timezones,
      ...(ackLink ? { ackLink } : {}),
      ...(pageLink ? { pageLink } : {}),
      ...(extra.showCodes ? { showCodes: extra.showCodes } : {}),
    };
    out.push({ channel, notices: mine, message: renderDigest(mine, ctx) });
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
