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

const Tick = z.iso.datetime({ offset: true }).transform((t) => new Date(t).toISOString());

/** What a source stage reports (run/tick.ts SourceResult); the publish stage trusts only its shape. */
const SourceResultSchema = z.object({
  source: z.string().min(1),
  outcome: z.looseObject({ source: z.string(), status: z.enum(['ok', 'failed', 'store-error', 'superseded', 'not-configured']) }),
  complete: z.boolean(),
  pending: z.array(z.string()).max(1000),
  migrated: z.boolean(),
  stateVersion: z.number().int().optional(),
  healthVersion: z.number().int().optional(),
});

/** A stage the fan-out engine runs: one source, or the publish step after all sources. */
const StageEventSchema = z.discriminatedUnion('stage', [
  z.object({ stage: z.literal('source'), source: z.string().min(1), tick: Tick }),
  z.object({
    stage: z.literal('publish'),
    tick: Tick,
    /** One per source: its report, or what the engine caught when its stage failed. */
    results: z.array(
      z.union([SourceResultSchema, z.object({ source: z.string().min(1), failed: z.literal(true), error: z.string().optional() })]),
    ),
  }),
]);
export type StageEvent = z.infer<typeof StageEventSchema>;

/** The event of a scheduled function: a whole tick from the schedule, or one stage of it. */
export function parseFunctionEvent(event: unknown): { stage: 'tick'; tick: string } | StageEvent {
  if (event && typeof event === 'object' && 'stage' in event) {
    const result = StageEventSchema.safeParse(event);
    if (!result.success) throw new Error(`invalid stage event: ${formatIssues(result.error).join('; ')}`);
    return result.data;
  }
  return { stage: 'tick', tick: parseScheduledEvent(event) };
}

/** The tick id: the schedule's own time for this invocation, normalized to ISO UTC. */
export function parseScheduledEvent(event: unknown): string {
  const result = ScheduledEventSchema.safeParse(event);
  if (!result.success) {
    throw new Error(`invalid schedule event: expected {"scheduledTime": "<ISO-8601>"}; ${formatIssues(result.error).join('; ')}`);
  }
  return new Date(result.data).toISOString();
}
