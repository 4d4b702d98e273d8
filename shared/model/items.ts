import * as z from 'zod';
import { AgentStateSchema, NormalizedAgentSchema } from './agent';
import { SeveritySchema } from './severity';

/**
 * The shapes kept in DynamoDB. The engine reads and plans them; the store validates them on the
 * way in, so a damaged item is an error naming its key and field, never a silent default.
 */

/** The stretch of time one rule has been covering an agent (or task), possibly across states. */
export const RunSchema = z.object({ ruleId: z.string(), since: z.number() });

export const AgentItemSchema = NormalizedAgentSchema.pick({
  source: true,
  agentId: true,
  name: true,
  groups: true,
  state: true,
  vendorState: true,
  reasonCode: true,
  reason: true,
  inferred: true,
}).extend({
  /** Epoch ms when the current state began (vendor-reported where the vendor says). */
  since: z.number(),
  run: RunSchema.optional(),
  /** The open alert episode for this agent, if any. */
  episodeId: z.string().optional(),
  version: z.number().int().nonnegative(),
});
export type AgentItem = z.infer<typeof AgentItemSchema>;

/** One agent as its source's snapshot keeps it (the compact state document holds them all). */
export const AgentSnapshotSchema = AgentItemSchema.omit({ version: true }).extend({
  /** Consecutive reads that asked about this agent and got no answer for it (Huawei partial answers). */
  missed: z.number().int().positive().optional(),
});
export type AgentSnapshot = z.infer<typeof AgentSnapshotSchema>;

export const SubjectKindSchema = z.enum(['agent', 'task', 'source']);

/** One alert episode: the notification log that conditional writes move forward. */
export const EpisodeSchema = z.object({
  episodeId: z.string(),
  source: z.string(),
  kind: SubjectKindSchema,
  subjectId: z.string(),
  ruleId: z.string(),
  startedAt: z.number(),
  /** 1 fired, 2 escalated. */
  tier: z.number().int().min(1).max(2),
  severity: SeveritySchema,
  firedAt: z.number(),
  lastNotifiedAt: z.number(),
  resolvedAt: z.number().optional(),
  /** What people call the subject (agent name, task name), for listings. */
  subjectName: z.string().optional(),
  /** Steps taken (1 fired, then one per repeat, escalation, resolve): `K7M2QX#3` names a step. Absent on episodes stored before steps were counted. */
  step: z.number().int().positive().optional(),
  /** Acknowledged: no repeats and no escalation while acked and not past snoozeUntil. */
  ackedBy: z.string().optional(),
  ackedAt: z.number().optional(),
  snoozeUntil: z.number().optional(),
  /** Under an escalation policy: the level reached (0 = the first), when, and how many times the levels were run again. */
  level: z.number().int().nonnegative().optional(),
  levelAt: z.number().optional(),
  cycle: z.number().int().nonnegative().optional(),
  /** The acknowledgment (its ackedAt) already passed on to PagerDuty / Opsgenie. */
  ackRelayed: z.number().optional(),
  version: z.number().int().nonnegative(),
});
export type Episode = z.infer<typeof EpisodeSchema>;

/** Whether an episode is acknowledged right now (an ack without a snooze holds until resolve). */
export function isQuiet(e: Episode, now: number): boolean {
  return e.ackedAt !== undefined && (e.snoozeUntil === undefined || e.snoozeUntil > now);
}

/** New types go last: the position orders events of one instant in sort keys. 'acknowledged': passed on to on-call tools. */
export const EPISODE_EVENT_TYPES = [
  'fired',
  'repeat',
  'escalated',
  'resolved',
  'notified',
  'acked',
  'snoozed',
  'unacked',
  'acknowledged',
] as const;
/** One line of an episode's history. */
export const EpisodeEventSchema = z.object({
  episodeId: z.string(),
  source: z.string(),
  at: z.number(),
  event: z.enum(EPISODE_EVENT_TYPES),
  /** Who (acks), which channel (notified), what severity or until when. */
  by: z.string().optional(),
  channel: z.string().optional(),
  severity: SeveritySchema.optional(),
  until: z.number().optional(),
});
export type EpisodeEvent = z.infer<typeof EpisodeEventSchema>;

/** Per-source health, for the "source down" meta-alert. */
export const HealthItemSchema = z.object({
  source: z.string(),
  consecutiveFailures: z.number().int().nonnegative(),
  lastError: z.string().optional(),
  episodeId: z.string().optional(),
  /** The source's secret still holds the deploy's placeholders (since when, epoch ms): not read, never paged. */
  notConfigured: z.object({ secretId: z.string(), since: z.number() }).optional(),
  version: z.number().int().nonnegative(),
});

/** The health item as stored: with the source-down steps still being delivered. */
export const StoredHealthSchema = HealthItemSchema.extend({
  outbox: z.array(z.lazy(() => OutboxEntrySchema)).default([]),
  /** When a tick last saved it (a failing source is saved every tick): someone still reads the source. */
  savedAt: z.number().optional(),
});
export type StoredHealth = z.infer<typeof StoredHealthSchema>;
export type HealthItem = z.infer<typeof HealthItemSchema>;

/** One watched preview task under one rule: counts by contact status and a short history. */
export const TaskItemSchema = z.object({
  source: z.string(),
  ruleId: z.string(),
  taskId: z.number().int(),
  name: z.string().optional(),
  /** Contacts by status code ("1", "5", "7", "9"). */
  counts: z.record(z.string(), z.number().int().nonnegative()),
  /** (time, abnormal count) at each change, oldest first, pruned to the growth window. */
  ring: z.array(z.tuple([z.number(), z.number().int().nonnegative()])),
  /** The task is no longer running (finished, cancelled, suspended) or no longer listed. */
  ended: z.boolean().optional(),
  /** Its open alert's thresholds stopped holding at this time: it resolves once they stay so for the rule's resolveAfter. */
  unmetSince: z.number().optional(),
  taskStatus: z.number().int().optional(),
  episodeId: z.string().optional(),
  /** Open "this task id is rejected" config alert. */
  configEpisodeId: z.string().optional(),
  version: z.number().int().nonnegative(),
});
export type TaskItem = z.infer<typeof TaskItemSchema>;

/** One watched task as its source's snapshot keeps it. */
export const TaskSnapshotSchema = TaskItemSchema.omit({ version: true });
export type TaskSnapshot = z.infer<typeof TaskSnapshotSchema>;

/** `acknowledged` goes only to on-call tools (PagerDuty, Opsgenie, chat) so that their incident matches. */
export const NoticeStatusSchema = z.enum(['firing', 'repeat', 'escalated', 'resolved', 'acknowledged']);
export type NoticeStatus = z.infer<typeof NoticeStatusSchema>;

export const TaskNoticeDetailSchema = z.object({
  counts: z.record(z.string(), z.number()),
  attempted: z.number(),
  share: z.number(),
  growth: z.object({ by: z.number(), withinSec: z.number() }).optional(),
  topReasons: z.array(z.object({ reason: z.string(), count: z.number() })),
  examples: z.array(z.object({ calledMasked: z.string(), errorReason: z.string().optional(), agentName: z.string().optional() })),
  taskStatus: z.number().optional(),
  note: z.string().optional(),
});
export type TaskNoticeDetail = z.infer<typeof TaskNoticeDetailSchema>;

/** Something a person should be told; rendered into channel digests, and kept in the outbox when a publish fails. */
export const NoticeSchema = z.object({
  status: NoticeStatusSchema,
  severity: SeveritySchema,
  kind: SubjectKindSchema,
  source: z.string(),
  subjectId: z.string(),
  subjectName: z.string(),
  ruleId: z.string(),
  episodeId: z.string(),
  /** The episode's step this notice announces (`K7M2QX#3`). */
  step: z.number().int().positive(),
  startedAt: z.number(),
  /** Seconds the condition has held (or held, when resolved). */
  forSec: z.number(),
  agent: z
    .object({
      groups: z.array(z.string()),
      state: AgentStateSchema,
      vendorState: z.string(),
      reason: z.string().optional(),
      reasonCode: z.string().optional(),
      inferred: z.boolean().optional(),
    })
    .optional(),
  task: TaskNoticeDetailSchema.optional(),
  detail: z.string().optional(),
  /**
   * A resolve that is no end of the condition: why the alert was closed instead ("the source was
   * removed from the configuration"). Said in place of the state it ended in.
   */
  closed: z.string().optional(),
  /** Why an escalation happened, in words ("not acknowledged within 10m"). */
  why: z.string().optional(),
  /** Who acknowledged (status acknowledged). */
  ackedBy: z.string().optional(),
  /** Set when a failed publish is retried: when the notice was first due. */
  dueAt: z.number().optional(),
});
export type Notice = z.infer<typeof NoticeSchema>;

/**
 * One alert step, stored with the snapshot that depends on it (or with the source's health) and
 * kept until it is done: the episode item moved to `episode`, every channel in `channels` told,
 * and its history written. A crash anywhere leaves it here for the next run, which finishes it
 * (its notices marked delayed).
 */
export const OutboxEntrySchema = z.object({
  /** `K7M2QX#3`: the episode and its step. */
  id: z.string(),
  kind: z.enum(['fired', 'repeat', 'escalated', 'resolved', 'acknowledged']),
  /** The episode as this step leaves it. */
  episode: EpisodeSchema,
  /** What people are told; absent for a silent step. */
  notice: NoticeSchema.optional(),
  /** Channels not yet told. */
  channels: z.array(z.string()),
  /** When the step was taken; a notice sent by a later run says it was due then. */
  at: z.number(),
});
export type OutboxEntry = z.infer<typeof OutboxEntrySchema>;

/** Notices a channel did not get because its publish failed; the next run sends them. */
export const OutboxItemSchema = z.object({ fn: z.string(), channel: z.string(), notice: NoticeSchema });
