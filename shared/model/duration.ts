import * as z from 'zod';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const DURATION_RE = /^(\d+(?:\.\d+)?)(s|m|h|d)$/;

/** Seconds in a human duration such as "90s", "15m", "2h", "1d"; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return undefined;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  return seconds > 0 ? Math.round(seconds) : undefined;
}

/** A config duration: a string like "15m", held as seconds after parsing. */
export const DurationSchema = z.string().transform((text, ctx) => {
  const seconds = parseDuration(text);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "15m", "90s" or "2h", got "${text}"` });
    return z.NEVER;
  }
  return seconds;
});

/** "1h 5m", "45m", "30s": how on-call people read elapsed time. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return sec > 0 && m < 10 ? `${m}m ${sec}s` : `${m}m`;
  return `${sec}s`;
}

/** A delay that may be none ("0m"): an escalation policy's first level. */
export const DelaySchema = z.string().transform((text, ctx) => {
  if (/^0+(?:\.0+)?[smhd]?$/.test(text.trim())) return 0;
  const seconds = parseDuration(text);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a delay like "0m", "10m" or "1h", got "${text}"` });
    return z.NEVER;
  }
  return seconds;
});
