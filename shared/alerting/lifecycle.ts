import { type Episode, isQuiet, type Notice, type NoticeStatus } from '#shared/model/items';
import type { Severity } from '#shared/model/severity';
import { reached } from './due';
import { levelChannels, nextLevel, type PolicyRule, reachedChannels } from './escalation';

/**
 * The one alert lifecycle every kind of alert (agent, task, source down) goes through: fire,
 * repeat, escalate, resolve. Each step moves the episode's step counter on and makes the notice
 * people are told, so a step is identified everywhere as `K7M2QX#3` (episode id, step number):
 * in the outbox, in messages, in history. Pure: the run stores the steps durably.
 */

export type StepKind = 'fired' | 'repeat' | 'escalated' | 'resolved' | 'acknowledged';

export interface EpisodeStep {
  kind: StepKind;
  /** The episode after this step. */
  next: Episode;
  /** The episode before it; absent when the step opens the episode. */
  prev?: Episode;
  /** What people are told; absent for a silent step (a silenced resolve, notifyResolved false). */
  notice?: Notice;
  /**
   * The channels told, when an escalation policy names them (its level's, or every level reached
   * for a resolve); absent: the channels that take the notice by severity and filters.
   */
  channels?: string[];
  /**
   * Routed by severity: the severities the episode was announced at before this step, beside the
   * notice's own (an acknowledgment goes to the tools told at the warning tier too).
   */
  severities?: Severity[];
  /**
   * A resolve nobody is to be told of (silenced, notifyResolved false, its rule or agent gone):
   * still sent to the tools whose open incident would otherwise keep paging (PagerDuty, Opsgenie).
   */
  incidentsOnly?: true;
  /**
   * A close of an alert whose source left the config: PagerDuty and Opsgenie are told whatever a
   * channel's `sources` filter now says (the source had to leave the filter with the config).
   */
  anySource?: true;
}

/** What the planner says about the subject; the lifecycle adds who, which episode and which step. */
export interface NoticeDetail {
  forSec?: number;
  subjectName?: string;
  agent?: Notice['agent'];
  task?: Notice['task'];
  detail?: string;
  why?: string;
  /** A resolve that is no end of the condition: why the alert is closed (Notice.closed). */
  closed?: string;
}

/** Episodes stored before steps were counted moved their version once per step. */
export const stepOf = (e: Pick<Episode, 'step' | 'version'>): number => e.step ?? e.version;

/** `K7M2QX#3`: the episode and the step a notice announces; a repeated delivery shows the same id. */
export const stepId = (episodeId: string, step: number): string => `${episodeId}#${step}`;

function noticeFor(next: Episode, status: NoticeStatus, now: number, d: NoticeDetail): Notice {
  const { forSec, subjectName, ...rest } = d;
  return {
    status,
    severity: next.severity,
    kind: next.kind,
    source: next.source,
    subjectId: next.subjectId,
    subjectName: subjectName ?? next.subjectName ?? next.subjectId,
    ruleId: next.ruleId,
    episodeId: next.episodeId,
    step: stepOf(next),
    startedAt: next.startedAt,
    forSec: forSec ?? (now - next.startedAt) / 1000,
    ...rest,
  };
}

export interface OpenRequest {
  episodeId: string;
  source: string;
  kind: Episode['kind'];
  subjectId: string;
  subjectName?: string | undefined;
  ruleId: string;
  startedAt: number;
  severity: Severity;
  /** 1 fired; 2 when it is already past its escalation when it fires. */
  tier: number;
  /** Announced as "escalated" rather than "firing" (a rule that fires straight into its escalation). */
  escalated: boolean;
  /** Under an escalation policy: its first level's channels. */
  policyChannels?: string[] | undefined;
}

export function openEpisode(o: OpenRequest, now: number, detail: NoticeDetail): EpisodeStep {
  const next: Episode = {
    episodeId: o.episodeId,
    source: o.source,
    kind: o.kind,
    subjectId: o.subjectId,
    ruleId: o.ruleId,
    startedAt: o.startedAt,
    tier: o.tier,
    severity: o.severity,
    firedAt: now,
    lastNotifiedAt: now,
    ...(o.subjectName ? { subjectName: o.subjectName } : {}),
    ...(o.policyChannels ? { level: 0, levelAt: now } : {}),
    step: 1,
    version: 1,
  };
  return {
    kind: o.escalated ? 'escalated' : 'fired',
    next,
    notice: noticeFor(next, o.escalated ? 'escalated' : 'firing', now, detail),
    ...(o.policyChannels ? { channels: o.policyChannels } : {}),
  };
}

function advance(e: Episode, now: number, change: Partial<Episode>): Episode {
  return { ...e, ...change, lastNotifiedAt: now, step: stepOf(e) + 1, version: e.version + 1 };
}

export function repeatEpisode(e: Episode, now: number, detail: NoticeDetail, channels?: string[]): EpisodeStep {
  const next = advance(e, now, {});
  return { kind: 'repeat', prev: e, next, notice: noticeFor(next, 'repeat', now, detail), ...(channels ? { channels } : {}) };
}

export function escalateEpisode(e: Episode, now: number, severity: Severity, detail: NoticeDetail): EpisodeStep {
  const next = advance(e, now, { tier: Math.min(2, e.tier + 1), severity });
  return { kind: 'escalated', prev: e, next, notice: noticeFor(next, 'escalated', now, detail) };
}

/** An escalation policy's next level (or its first again, when it repeats): that level's channels are told. */
export function levelUpEpisode(
  e: Episode,
  now: number,
  to: { level: number; cycle: number; severity: Severity; channels: string[] },
  detail: NoticeDetail,
): EpisodeStep {
  const next = advance(e, now, { level: to.level, cycle: to.cycle, levelAt: now, severity: to.severity, tier: 2 });
  return { kind: 'escalated', prev: e, next, notice: noticeFor(next, 'escalated', now, detail), channels: to.channels };
}

/**
 * Passes an acknowledgment made in ccwatch (link, page, CLI, SMS reply) on to the on-call tools
 * that keep an incident of their own, so that theirs stops paging too. Not a notification: repeats
 * keep their own clock. Absent when there is nothing new to pass on.
 */
export function relayAck(
  e: Episode,
  now: number,
  detail: NoticeDetail,
  to: { channels?: string[] | undefined; severities?: Severity[] | undefined } = {},
): EpisodeStep | undefined {
  if (e.ackedAt === undefined || e.ackRelayed === e.ackedAt || e.resolvedAt !== undefined) return undefined;
  const next: Episode = { ...e, ackRelayed: e.ackedAt, step: stepOf(e) + 1, version: e.version + 1 };
  const notice = { ...noticeFor(next, 'acknowledged', now, detail), ...(e.ackedBy ? { ackedBy: e.ackedBy } : {}) };
  return {
    kind: 'acknowledged',
    prev: e,
    next,
    notice,
    ...(to.channels ? { channels: to.channels } : {}),
    ...(to.severities ? { severities: to.severities } : {}),
  };
}

/** The severities a two-tier episode was announced at: its rule's, and past the first tier its escalation's. */
export function toldSeverities(rule: { severity: Severity; escalateSeverity: Severity }, e: Episode): Severity[] {
  return e.tier >= 2 ? [rule.severity, rule.escalateSeverity] : [rule.severity];
}

/**
 * `detail` undefined: nobody is told (silenced, or notifyResolved false), but an incident opened
 * in PagerDuty or Opsgenie is closed there (`incidentsOnly`), or it would page on for ever.
 */
export function resolveEpisode(e: Episode, now: number, detail: NoticeDetail | undefined, channels?: string[]): EpisodeStep {
  const next: Episode = { ...e, resolvedAt: now, step: stepOf(e) + 1, version: e.version + 1 };
  return {
    kind: 'resolved',
    prev: e,
    next,
    notice: noticeFor(next, 'resolved', now, detail ?? {}),
    ...(detail ? {} : { incidentsOnly: true as const }),
    ...(channels ? { channels } : {}),
  };
}

/**
 * The one step an open episode takes this run, if any: while it is heard (not suppressed, not
 * acknowledged) its policy's next level, else the two-tier escalation (`escalationWhy`), else a
 * repeat (to the policy's current level); failing those, an acknowledgment to pass on to the
 * on-call tools told so far. Shared by every planner whose alerts can escalate (agents, tasks).
 */
export function continueEpisode(
  e: Episode,
  now: number,
  o: {
    rule: { severity: Severity; escalateSeverity: Severity; repeatEvery?: number | undefined };
    policy: PolicyRule | undefined;
    /** Silenced or closed: nothing is sent, but an acknowledgment is still passed on. */
    suppressed: boolean;
    /** Why the two-tier escalation is due now (rules without a policy), if it is. */
    escalationWhy: () => string | undefined;
    relayAcks: boolean;
    detail: NoticeDetail;
  },
): EpisodeStep | undefined {
  const { rule, policy: p, detail } = o;
  if (!o.suppressed && !isQuiet(e, now)) {
    const up = p && nextLevel(p, e, now);
    if (up) return levelUpEpisode(e, now, up, { ...detail, why: up.why });
    const why = p ? undefined : o.escalationWhy();
    if (why) return escalateEpisode(e, now, rule.escalateSeverity, { ...detail, why });
    if (rule.repeatEvery !== undefined && reached(now - e.lastNotifiedAt, rule.repeatEvery))
      return repeatEpisode(e, now, detail, p && levelChannels(p, e));
  }
  if (!o.relayAcks || e.ackedAt === undefined || e.ackRelayed === e.ackedAt) return undefined;
  return relayAck(e, now, detail, p ? { channels: reachedChannels(p, e) } : { severities: toldSeverities(rule, e) });
}
