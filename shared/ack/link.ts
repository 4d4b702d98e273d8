import type { Notice } from '#shared/model/items';
import { signAckToken } from './token';

/** Makes the acknowledge link of an open alert (undefined where there is none). */
export type AckLink = (notice: Notice) => string | undefined;

/** Links in emails work for a day; the episode id and source are all they carry. */
const ACK_LINK_TTL_MS = 24 * 3600_000;

export function ackLinkMaker(baseUrl: string, key: string, now: number): AckLink {
  return (n) =>
    `${baseUrl.replace(/\/$/, '')}/?t=${signAckToken(key, { episodeId: n.episodeId, source: n.source, expiresAt: now + ACK_LINK_TTL_MS })}`;
}
