import * as z from 'zod';
import { formatIssues } from '#shared/model/issues';

/**
 * What EventBridge Scheduler sends (our input template puts `<aws.scheduler.scheduled-time>` in
 * `scheduledTime`, and keeps it on retries); an EventBridge rule's scheduled event carries `time`.
 */
const ScheduledEventSchema = z.union([
  z.object({ scheduledTime: z.iso.datetime({ offset: true }) }).transform((e) => e.scheduledTime),
  z.object({ time: z.iso.datetime({ offset: true }), 'detail-type': z.literal('Scheduled Event') }).transform((e) => e.time),
]);

/** The tick id: the schedule's own time for this invocation, normalized to ISO UTC. */
export function parseScheduledEvent(event: unknown): string {
  const result = ScheduledEventSchema.safeParse(event);
  if (!result.success) {
    throw new Error(`invalid schedule event: expected {"scheduledTime": "<ISO-8601>"}; ${formatIssues(result.error).join('; ')}`);
  }
  return new Date(result.data).toISOString();
}
