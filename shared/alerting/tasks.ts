import type { TaskRule } from '#shared/config/schema';
import type { Episode, TaskNoticeDetail, TaskSnapshot } from '#shared/model/items';
import { CONTACT_STATUS, contactCount, TASK_STATUS } from '#shared/model/task';
import { reached } from './due';
import { episodeIdFor } from './episode-id';
import { escalationReason, levelSeverity, type PolicyRule, reachedChannels } from './escalation';
import { continueEpisode, type EpisodeStep, openEpisode, resolveEpisode } from './lifecycle';

/** What this run learned about one watched task. */
export type TaskObservation =
  | { kind: 'running'; name?: string; counts: Record<string, number> }
  | { kind: 'ended'; name?: string; taskStatus?: number; note: string }
  | { kind: 'rejected'; error: string };

export interface TaskCondition {
  holds: boolean;
  /** Which thresholds hold, for people: "abnormal 45 >= 40". */
  why: string[];
  attempted: number;
  share: number;
  growth?: { by: number; withinSec: number };
}

/** The growth window's baseline: the count standing at `now - window` (the ring holds change points). */
function baseline(ring: readonly [number, number][], now: number, windowSec: number): [number, number] | undefined {
  const start = now - windowSec * 1000;
  let base: [number, number] | undefined;
  for (const point of ring) {
    if (point[0] <= start) base = point;
    else break;
  }
  return base ?? ring[0];
}

export function evaluateTask(
  rule: TaskRule,
  counts: Record<string, number>,
  ring: readonly [number, number][],
  now: number,
): TaskCondition {
  const abnormal = contactCount(counts, CONTACT_STATUS.abnormal);
  const called = contactCount(counts, CONTACT_STATUS.called);
  const attempted = abnormal + called;
  const share = attempted > 0 ? abnormal / attempted : 0;
  const why: string[] = [];
  if (rule.abnormalCount !== undefined && abnormal >= rule.abnormalCount) why.push(`abnormal ${abnormal} >= ${rule.abnormalCount}`);
  if (rule.abnormalShare && attempted >= rule.abnormalShare.minAttempted && share >= rule.abnormalShare.atLeast) {
    why.push(`abnormal share ${(share * 100).toFixed(0)}% >= ${(rule.abnormalShare.atLeast * 100).toFixed(0)}% of ${attempted} attempted`);
  }
  let growth: TaskCondition['growth'];
  if (rule.growth) {
    const base = baseline(ring, now, rule.growth.within);
    if (base) {
      growth = { by: abnormal - base[1], withinSec: Math.min(rule.growth.within, Math.round((now - base[0]) / 1000)) };
      if (growth.by >= rule.growth.by) why.push(`+${growth.by} abnormal within ${rule.growth.within / 60}m`);
    }
  }
  return { holds: why.length > 0, why, attempted, share, ...(growth ? { growth } : {}) };
}

/** Appends a change point and drops points the growth window no longer needs (keeping its baseline). */
export function nextRing(
  ring: readonly [number, number][],
  now: number,
  abnormal: number,
  windowSec: number | undefined,
): [number, number][] {
  const last = ring[ring.length - 1];
  const out: [number, number][] = last && last[1] === abnormal ? [...ring] : [...ring, [now, abnormal]];
  if (!windowSec) return out.slice(-1);
  const start = now - windowSec * 1000;
  let firstNeeded = 0;
  for (let i = 0; i < out.length; i++) if (out[i]![0] <= start) firstNeeded = i;
  return out.slice(firstNeeded).slice(-200);
}

export interface TaskPlanInput {
  now: number;
  source: string;
  rule: TaskRule;
  taskId: number;
  prev: TaskSnapshot | undefined;
  episode: Episode | undefined;
  configEpisode: Episode | undefined;
  observation: TaskObservation;
  silenced: boolean;
  /** The rule's escalation policy, when it names one. */
  policy?: PolicyRule | undefined;
  /** Pass acknowledgments on to PagerDuty / Opsgenie / chat (some channel has one). */
  relayAcks?: boolean;
  /** Time before this read that no read observed (failed runs): growth is measured from this read on. */
  unobservedMs?: number;
}

export interface TaskPlan {
  item: TaskSnapshot;
  changed: boolean;
  steps: EpisodeStep[];
}

function sameTask(a: TaskSnapshot, b: TaskSnapshot): boolean {
  return JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
}

/**
 * One watched task under one rule: fire when a threshold holds, repeat, escalate at the escalation
 * count, resolve when no threshold holds or the task ended (with a note). A task id the vendor
 * rejects raises one config alert per episode instead of failing the run.
 */
export function planTask(input: TaskPlanInput): TaskPlan {
  const { now, source, rule, taskId, prev, observation: obs, silenced, policy: p } = input;
  const steps: EpisodeStep[] = [];
  const subjectId = String(taskId);
  const name = (obs.kind !== 'rejected' ? obs.name : undefined) ?? prev?.name;
  const displayName = name ?? subjectId;
  let episode = input.episode && !input.episode.resolvedAt ? input.episode : undefined;
  let configEpisode = input.configEpisode && !input.configEpisode.resolvedAt ? input.configEpisode : undefined;
  const counts = obs.kind === 'running' ? obs.counts : (prev?.counts ?? {});
  // after time nobody observed, the growth window starts again here: a count that grew over an
  // outage is not growth "within" the window. Not under an open alert: an empty window would read
  // as "no growth" and resolve it, to fire again once the window refills
  const restart = (input.unobservedMs ?? 0) > 0 && !episode;
  const ring =
    obs.kind === 'running'
      ? nextRing(restart ? [] : (prev?.ring ?? []), now, contactCount(counts, CONTACT_STATUS.abnormal), rule.growth?.within)
      : (prev?.ring ?? []);
  const cond = evaluateTask(rule, counts, ring, now);
  const detail = (note?: string): TaskNoticeDetail => ({
    counts,
    attempted: cond.attempted,
    share: cond.share,
    ...(cond.growth ? { growth: cond.growth } : {}),
    topReasons: [],
    examples: [],
    ...(obs.kind === 'ended' && obs.taskStatus !== undefined ? { taskStatus: obs.taskStatus } : {}),
    ...(note ? { note } : {}),
  });

  // the config alert: the vendor rejects this task id
  if (obs.kind === 'rejected' && !configEpisode && !silenced) {
    const step = openEpisode(
      {
        episodeId: episodeIdFor(source, 'task-config', subjectId, rule.id, now),
        source,
        kind: 'task',
        subjectId,
        subjectName: `task ${taskId}`,
        ruleId: `${rule.id}/config`,
        startedAt: now,
        severity: rule.severity,
        tier: 1,
        escalated: false,
      },
      now,
      {
        subjectName: displayName,
        forSec: 0,
        detail: `task ${taskId} is rejected by the vendor: ${obs.error}`,
        task: detail(`check taskRules "${rule.id}": the vendor rejects task id ${taskId}`),
      },
    );
    steps.push(step);
    configEpisode = step.next;
  } else if (obs.kind !== 'rejected' && configEpisode) {
    steps.push(
      resolveEpisode(
        configEpisode,
        now,
        silenced ? undefined : { subjectName: displayName, task: detail('the vendor accepts this task id again') },
      ),
    );
    configEpisode = undefined;
  }

  // an open alert whose thresholds stopped holding on a running task is held for resolveAfter:
  // a task hovering at a threshold would otherwise page at every crossing
  const unmetSince = episode && obs.kind === 'running' && !cond.holds ? (prev?.unmetSince ?? now) : undefined;
  const holding = unmetSince !== undefined && !reached(now - unmetSince, rule.resolveAfter);
  // a suspended task may resume with the same contacts: its open alert waits (no repeats), and
  // resolves only when the task completes or is cancelled (preview-tasks keeps asking)
  const paused = episode !== undefined && obs.kind === 'ended' && obs.taskStatus === TASK_STATUS.suspended;
  if (obs.kind !== 'rejected' && !holding && !paused) {
    const holds = obs.kind === 'running' && cond.holds;
    if (episode && !holds) {
      const note = obs.kind === 'ended' ? obs.note : 'thresholds no longer met';
      steps.push(
        resolveEpisode(
          episode,
          now,
          rule.notifyResolved && !silenced ? { subjectName: displayName, task: detail(note) } : undefined,
          p && reachedChannels(p, episode),
        ),
      );
      episode = undefined;
    } else if (holds && !silenced) {
      const abnormal = contactCount(counts, CONTACT_STATUS.abnormal);
      // a policy starts at its first level (it has no escalateAt: the config refuses both)
      const escalated = !p && rule.escalateAt !== undefined && abnormal >= rule.escalateAt.abnormalCount;
      const about = { subjectName: displayName, task: detail(cond.why.join('; ')) };
      if (!episode) {
        const step = openEpisode(
          {
            episodeId: episodeIdFor(source, 'task', subjectId, rule.id, now),
            source,
            kind: 'task',
            subjectId,
            subjectName: name,
            ruleId: rule.id,
            startedAt: now,
            severity: p ? levelSeverity(p, 0) : escalated ? rule.escalateSeverity : rule.severity,
            tier: escalated ? 2 : 1,
            escalated,
            policyChannels: p?.policy.levels[0]?.channels,
          },
          now,
          { ...about, forSec: 0 },
        );
        steps.push(step);
        episode = step.next;
      } else {
        const forSec = (now - episode.startedAt) / 1000;
        const open = episode;
        const step = continueEpisode(open, now, {
          rule,
          policy: p,
          suppressed: false,
          escalationWhy: () =>
            escalated && open.tier < 2
              ? `abnormal contacts reached ${rule.escalateAt!.abnormalCount}`
              : escalationReason({ escalateIfNotAckedAfter: rule.escalateIfNotAckedAfter }, open, forSec, now),
          relayAcks: input.relayAcks ?? false,
          detail: { ...about, forSec },
        });
        if (step) steps.push(step);
      }
    }
  }

  const item: TaskSnapshot = {
    source,
    ruleId: rule.id,
    taskId,
    ...(name ? { name } : {}),
    counts,
    ring,
    ...(obs.kind === 'ended' ? { ended: true } : {}),
    ...(obs.kind === 'ended' && obs.taskStatus !== undefined
      ? { taskStatus: obs.taskStatus }
      : obs.kind === 'running'
        ? { taskStatus: TASK_STATUS.calling }
        : prev?.taskStatus !== undefined
          ? { taskStatus: prev.taskStatus }
          : {}),
    ...(episode ? { episodeId: episode.episodeId } : {}),
    ...(configEpisode ? { configEpisodeId: configEpisode.episodeId } : {}),
    ...(holding ? { unmetSince } : {}),
  };
  return { item, changed: !prev || !sameTask(prev, item), steps };
}
