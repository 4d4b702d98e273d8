import type { Channel } from '#shared/config/schema';
import type { Notice } from '#shared/model/items';
import { signAckToken, signPageToken } from './token';

/** Makes the acknowledge link of an open alert (undefined where there is none). */
export type AckLink = (notice: Notice) => string | undefined;
/** Makes the link to a channel's open-alerts page (undefined where there is none). */
export type PageLink = (channel: Channel) => string | undefined;

/** Links in emails work for a day; the ids they name and the expiry are all they carry. */
export const LINK_TTL_MS = 24 * 3600_000;

const base = (url: string) => url.replace(/\/$/, '');

export function ackLinkMaker(baseUrl: string, key: string, now: number): AckLink {
  return (n) => `${base(baseUrl)}/?t=${signAckToken(key, { episodeId: n.episodeId, source: n.source, expiresAt: now + LINK_TTL_MS })}`;
}

/** The page lists the channel's open alerts as they stand when it is opened, and acts on them. */
export function pageLinkMaker(baseUrl: string, key: string, now: number): PageLink {
  return (c) => `${base(baseUrl)}/?c=${signPageToken(key, { channel: c.id, expiresAt: now + LINK_TTL_MS })}`;
}
