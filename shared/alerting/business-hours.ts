import * as z from 'zod';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time like "08:30"');

/** A weekly window in the source's timezone, e.g. mon-fri 08:00-18:00. `to` before `from` spans midnight. */
export const BusinessWindowSchema = z.strictObject({
  days: z.array(z.enum(DAYS)).min(1),
  from: HHMM,
  to: HHMM,
});
export type BusinessWindow = z.infer<typeof BusinessWindowSchema>;

/**
 * Dates (YYYY-MM-DD, in the source's timezone) on which the source counts as closed all day: no
 * agent alert fires, exactly as outside business hours (resolves still do).
 */
export const HolidaysSchema = z.array(z.iso.date({ error: 'expected a date like "2026-10-01" (YYYY-MM-DD, a real calendar day)' }));

export const TimezoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA timezone such as "Asia/Shanghai"');

function localParts(epochMs: number, timezone: string): { date: string; day: (typeof DAYS)[number]; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(epochMs);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    day: get('weekday').toLowerCase().slice(0, 3) as (typeof DAYS)[number],
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/**
 * Whether agent alerts may fire at `epochMs`. No windows configured means open at all hours.
 * Holidays are local calendar days closed from 00:00 to 24:00 in `timezone`, with or without
 * windows: a source with holidays and no businessHours is open around the clock on every other
 * day. A holiday also closes the after-midnight part of a window that began the evening before.
 */
export function isOpen(
  epochMs: number,
  timezone: string,
  windows: readonly BusinessWindow[] | undefined,
  holidays: readonly string[] = [],
): boolean {
  if ((!windows || windows.length === 0) && holidays.length === 0) return true;
  const { date, day, minutes } = localParts(epochMs, timezone);
  if (holidays.includes(date)) return false;
  if (!windows || windows.length === 0) return true;
  const prevDay = DAYS[(DAYS.indexOf(day) + 6) % 7] as (typeof DAYS)[number];
  return windows.some((w) => {
    const from = toMinutes(w.from);
    const to = toMinutes(w.to);
    if (from < to) return w.days.includes(day) && minutes >= from && minutes < to;
    // spans midnight: the evening part on a listed day, the early-morning part on the day after
    return (w.days.includes(day) && minutes >= from) || (w.days.includes(prevDay) && minutes < to);
  });
}
