import * as z from 'zod';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time like "08:30"');

/** A weekly window in the source's timezone, e.g. mon-fri 08:00-18:00. `to` before `from` spans midnight. */
export const BusinessWindowSchema = z.object({
  days: z.array(z.enum(DAYS)).min(1),
  from: HHMM,
  to: HHMM,
});
export type BusinessWindow = z.infer<typeof BusinessWindowSchema>;

export const TimezoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA timezone such as "Asia/Shanghai"');

function localParts(epochMs: number, timezone: string): { day: (typeof DAYS)[number]; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(epochMs);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return {
    day: get('weekday').toLowerCase().slice(0, 3) as (typeof DAYS)[number],
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** No windows configured means always open. */
export function isOpen(epochMs: number, timezone: string, windows: readonly BusinessWindow[] | undefined): boolean {
  if (!windows || windows.length === 0) return true;
  const { day, minutes } = localParts(epochMs, timezone);
  const prevDay = DAYS[(DAYS.indexOf(day) + 6) % 7] as (typeof DAYS)[number];
  return windows.some((w) => {
    const from = toMinutes(w.from);
    const to = toMinutes(w.to);
    if (from < to) return w.days.includes(day) && minutes >= from && minutes < to;
    // spans midnight: the evening part on a listed day, the early-morning part on the day after
    return (w.days.includes(day) && minutes >= from) || (w.days.includes(prevDay) && minutes < to);
  });
}
