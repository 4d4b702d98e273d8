import type { TaskRule } from '#shared/config/schema';
import { type Episode, isQuiet, type TaskItem, type TaskNoticeDetail } from '#shared/model/items';
import { CONTACT_STATUS, contactCount, TASK_STATUS } from '#shared/model/task';
import { episodeIdFor } from './episode-id';
import type { EpisodeWrite } from './episode-write';
import { escalationDue } from './escalation';

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
  prev: TaskItem | undefined;
  episode: Episode | undefined;
  configEpisode: Episode | undefined;
  observation: TaskObservation;
  silenced: boolean;
}

export interface TaskPlan {
  item: TaskItem;
  prevVersion?: number;
  changed: boolean;
  episodeWrites: EpisodeWrite[];
}

function sameTask(a: TaskItem, b: TaskItem): boolean {
  const { version: _a, ...x } = a;
  const { version: _b, ...y } = b;
  return JSON.stringify(x, Object.keys(x).sort()) === JSON.stringify(y, Object.keys(y).sort());
}

/**
 * One watched task under one rule: fire when a threshold holds, repeat, escalate at the escalation
 * count, resolve when no threshold holds or the task ended (with a note). A task id the vendor
 * rejects raises one config alert per episode instead of failing the run.
 */
export function planTask(input: TaskPlanInput): TaskPlan {
  const { now, source, rule, taskId, prev, observation: obs, silenced } = input;
  const writes: EpisodeWrite[] = [];
  const subjectId = String(taskId);
  const name = (obs.kind !== 'rejected' ? obs.name : undefined) ?? prev?.name;
  const base = { kind: 'task' as const, source, subjectId, subjectName: name ?? subjectId };
  let episode = input.episode && !input.episode.resolvedAt ? input.episode : undefined;
  let configEpisode = input.configEpisode && !input.configEpisode.resolvedAt ? input.configEpisode : undefined;
  const counts = obs.kind === 'running' ? obs.counts : (prev?.counts ?? {});
  const ring =
    obs.kind === 'running'
      ? nextRing(prev?.ring ?? [], now, contactCount(counts, CONTACT_STATUS.abnormal), rule.growth?.within)
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
    const next: Episode = {
      episodeId: episodeIdFor(source, 'task-config', subjectId, rule.id, now),
      source,
      kind: 'task',
      subjectId,
      ruleId: `${rule.id}/config`,
      startedAt: now,
      tier: 1,
      severity: rule.severity,
      firedAt: now,
      lastNotifiedAt: now,
      subjectName: `task ${taskId}`,
      version: 1,
    };
    writes.push({
      next,
      notice: {
        ...base,
        status: 'firing',
        severity: rule.severity,
        ruleId: next.ruleId,
        episodeId: next.episodeId,
        startedAt: now,
        forSec: 0,
        detail: `task ${taskId} is rejected by the vendor: ${obs.error}`,
        task: detail(`check taskRules "${rule.id}": the vendor rejects task id ${taskId}`),
      },
    });
    configEpisode = next;
  } else if (obs.kind !== 'rejected' && configEpisode) {
    writes.push({
      next: { ...configEpisode, resolvedAt: now, version: configEpisode.version + 1 },
      prev: configEpisode,
      ...(silenced
        ? {}
        : {
            notice: {
              ...base,
              status: 'resolved' as const,
              severity: configEpisode.severity,
              ruleId: configEpisode.ruleId,
              episodeId: configEpisode.episodeId,
              startedAt: configEpisode.startedAt,
              forSec: (now - configEpisode.startedAt) / 1000,
              task: detail('the vendor accepts this task id again'),
            },
          }),
    });
    configEpisode = undefined;
  }

  if (obs.kind !== 'rejected') {
    const holds = obs.kind === 'running' && cond.holds;
    if (episode && !holds) {
      const note = obs.kind === 'ended' ? obs.note : 'thresholds no longer met';
      writes.push({
        next: { ...episode, resolvedAt: now, version: episode.version + 1 },
        prev: episode,
        ...(rule.notifyResolved && !silenced
          ? {
              notice: {
                ...base,
                status: 'resolved' as const,
                severity: episode.severity,
                ruleId: rule.id,
                episodeId: episode.episodeId,
                startedAt: episode.startedAt,
                forSec: (now - episode.startedAt) / 1000,
                task: detail(note),
              },
            }
          : {}),
      });
      episode = undefined;
    } else if (holds && !silenced) {
      const abnormal = contactCount(counts, CONTACT_STATUS.abnormal);
      const escalated = rule.escalateAt !== undefined && abnormal >= rule.escalateAt.abnormalCount;
      const common = { ...base, ruleId: rule.id, forSec: 0, task: detail(cond.why.join('; ')) };
      if (!episode) {
        const severity = escalated ? rule.escalateSeverity : rule.severity;
        const next: Episode = {
          episodeId: episodeIdFor(source, 'task', subjectId, rule.id, now),
          source,
          kind: 'task',
          subjectId,
          ruleId: rule.id,
          startedAt: now,
          tier: escalated ? 2 : 1,
          severity,
          firedAt: now,
          lastNotifiedAt: now,
          ...(name ? { subjectName: name } : {}),
          version: 1,
        };
        writes.push({
          next,
          notice: { ...common, status: escalated ? 'escalated' : 'firing', severity, episodeId: next.episodeId, startedAt: now },
        });
        episode = next;
      } else if (!isQuiet(episode, now)) {
        const forSec = (now - episode.startedAt) / 1000;
        if (
          (escalated && episode.tier < 2) ||
          escalationDue({ escalateIfNotAckedAfter: rule.escalateIfNotAckedAfter }, episode, forSec, now)
        ) {
          const next: Episode = { ...episode, tier: 2, severity: rule.escalateSeverity, lastNotifiedAt: now, version: episode.version + 1 };
          writes.push({
            next,
            prev: episode,
            notice: {
              ...common,
              forSec,
              status: 'escalated',
              severity: next.severity,
              episodeId: episode.episodeId,
              startedAt: episode.startedAt,
            },
          });
        } else if (rule.repeatEvery !== undefined && now - episode.lastNotifiedAt >= rule.repeatEvery * 1000) {
          writes.push({
            next: { ...episode, lastNotifiedAt: now, version: episode.version + 1 },
            prev: episode,
            notice: {
              ...common,
              forSec,
              status: 'repeat',
              severity: episode.severity,
              episodeId: episode.episodeId,
              startedAt: episode.startedAt,
            },
          });
        }
      }
    }
  }

  const item: TaskItem = {
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
    version: (prev?.version ?? 0) + 1,
  };
  return { item, ...(prev ? { prevVersion: prev.version } : {}), changed: !prev || !sameTask(prev, item), episodeWrites: writes };
}
