/**
 * Ticks do not start on the second: the scheduler, a cold start or a slow stage moves `now` by a
 * little either way, while the time it is compared with (a state's start, the last notice) came
 * from an earlier tick's `now`. Without slack, "15m" on a 5-minute schedule would fire at 20 half
 * the time; with it, at 15.
 */
export const DUE_SLACK_MS = 5_000;

/** Whether `elapsedMs` has reached a threshold of `thresholdSec`, within DUE_SLACK_MS. */
export const reached = (elapsedMs: number, thresholdSec: number): boolean => elapsedMs + DUE_SLACK_MS >= thresholdSec * 1000;
