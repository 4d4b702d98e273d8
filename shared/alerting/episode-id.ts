import { createHash } from 'node:crypto';

const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
/**
 * Short, stable, readable id ("K7M2QX"): the same episode gets the same id in any run. Six
 * characters of 31 (no 0/O/1/I/L): 887 million ids, so two stored episodes of one source sharing
 * one is a once-in-years event even at thousands of alerts a month (and is detected if it happens).
 */
export function episodeIdFor(...parts: (string | number)[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  let id = '';
  for (let i = 0; i < 6; i++) id += ALPHABET[(digest[i] as number) % ALPHABET.length];
  return id;
}
