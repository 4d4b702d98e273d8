import { policyOf } from '#shared/alerting/escalation';
import type { EpisodeStep } from '#shared/alerting/lifecycle';
import { isSilenced } from '#shared/alerting/scope';
import { planTask, type TaskObservation } from '#shared/alerting/tasks';
import { type Config, type TaskRule, taskSources } from '#shared/config/schema';
import { FN } from '#shared/contracts/names';
import type { Episode, TaskSnapshot } from '#shared/model/items';
import { CONTACT_STATUS, TASK_STATUS, TASK_STATUS_NAMES } from '#shared/model/task';
import { relaysAcks } from '#shared/notify/targets';
import { mapLimit } from '#shared/runtime/concurrency';
import { SourceError } from '#shared/vendors/errors';
import type { SourceConfig } from '#shared/vendors/index';
import type { ItnioClient, PreviewTask } from '#shared/vendors/itnio';
import { defaultBudget } from './agent-status';
import { runFunctionTick, type SourcePass } from './tick';
import type { CoreDeps, RunReport } from './types';

/** Every contact status is counted with one size=1 request: 1 in progress, 5 not called, 7 abnormal, 9 called. */
export const COUNTED_STATUSES = [
  CONTACT_STATUS.inProgress,
  CONTACT_STATUS.notCalled,
  CONTACT_STATUS.abnormal,
  CONTACT_STATUS.called,
] as const;
const EXAMPLES = 5;

/** A suspended task whose alert is open: it may resume, or end for good. */
const waitsOnResume = (p: TaskSnapshot) => p.taskStatus === TASK_STATUS.suspended && p.episodeId !== undefined;

async function observe(
  client: ItnioClient,
  taskId: number,
  running: Map<number, PreviewTask>,
  prev: TaskSnapshot | undefined,
  signal: AbortSignal,
): Promise<TaskObservation | undefined> {
  const listed = running.get(taskId);
  if (listed) {
    try {
      const totals = await Promise.all(COUNTED_STATUSES.map((s) => client.countTaskContacts(taskId, s, signal)));
      return {
        kind: 'running',
        ...(listed.taskName ? { name: listed.taskName } : {}),
        counts: Object.fromEntries(COUNTED_STATUSES.map((s, i) => [String(s), totals[i]!])),
      };
    } catch (err) {
      if (err instanceof SourceError && err.kind === 'request') return { kind: 'rejected', error: err.message };
      throw err;
    }
  }
  // not running: nothing can change while it stays ended, so ask only once; a suspended task with
  // an open alert is asked every run, so the alert resolves when the task completes or is cancelled
  if (prev?.ended && !waitsOnResume(prev)) return undefined;
  // the vendor filters by taskId as text (it is a String there): only the task asked about counts,
  // not task 120 when asked for 12
  const found = (await client.listPreviewTasks({ taskId }, signal)).find((t) => t.taskId === taskId);
  if (found) {
    const status = found.taskStatus ?? undefined;
    return {
      kind: 'ended',
      ...(found.taskName ? { name: found.taskName } : {}),
      ...(status != null ? { taskStatus: status } : {}),
      note: `task is ${status != null ? (TASK_STATUS_NAMES[status] ?? `status ${status}`) : 'not running'}`,
    };
  }
  // a task we once saw has gone away; one we never saw is a wrong id in the config
  return prev?.taskStatus !== undefined
    ? { kind: 'ended', note: 'task is no longer listed by the vendor' }
    : { kind: 'rejected', error: `task ${taskId} is not listed by the vendor` };
}

/** Names the top error reasons and shows a few masked examples, from one bounded read. */
async function enrich(
  client: ItnioClient,
  steps: readonly EpisodeStep[],
  rules: Map<string, TaskRule>,
  signal: AbortSignal,
): Promise<void> {
  for (const step of steps) {
    const n = step.notice;
    const rule = rules.get(step.next.ruleId);
    if (!n?.task || !rule || n.status === 'resolved' || n.status === 'acknowledged' || rule.sampleSize === 0) continue;
    try {
      const { contacts } = await client.readTaskContacts(Number(n.subjectId), [CONTACT_STATUS.abnormal], rule.sampleSize, signal);
      const byReason = new Map<string, number>();
      for (const c of contacts) byReason.set(c.errorReason ?? 'unknown', (byReason.get(c.errorReason ?? 'unknown') ?? 0) + 1);
      n.task.topReasons = [...byReason]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([reason, count]) => ({ reason, count }));
      n.task.examples = contacts.slice(0, EXAMPLES).map((c) => ({
        calledMasked: c.calledMasked,
        ...(c.errorReason ? { errorReason: c.errorReason } : {}),
        ...(c.agentName ? { agentName: c.agentName } : {}),
      }));
    } catch {
      n.task.note = `${n.task.note ?? ''} (error reasons could not be read this run)`.trim();
    }
  }
}

/** One scheduled tick of the preview-tasks function. */
export function runPreviewTasks(
  config: Config,
  tick: string,
  now: number,
  deps: CoreDeps,
  budget = defaultBudget(config),
): Promise<RunReport> {
  return runFunctionTick({ fn: FN.previewTasks, sources: taskSources(config), config, tick, now, deps, budget }, (source) =>
    taskPass(source, config, now, deps),
  );
}

export function taskPass(source: SourceConfig, config: Config, now: number, deps: CoreDeps): SourcePass<TaskSnapshot> {
  const { store } = deps;
  const fn = FN.previewTasks;
  const rules = config.taskRules.filter((r) => r.source === source.id);
  const relayAcks = relaysAcks(config.channels);
  return {
    load: () => store.states.loadTasks(fn, source.id, Date.now()),
    plan: async (state, signal, unobservedMs, silences) => {
      const client = await deps.readers.taskClient(source);
      const running = new Map((await client.listPreviewTasks({ taskStatus: [TASK_STATUS.calling] }, signal)).map((t) => [t.taskId, t]));
      const previous = state.items;
      const prevOf = new Map(previous.map((p) => [`${p.ruleId}#${p.taskId}`, p]));
      const watched = rules.flatMap((rule) => {
        const ids = new Set([
          ...rule.taskIds,
          ...(rule.discoverRunning ? running.keys() : []),
          ...previous.filter((p) => p.ruleId === rule.id && (!p.ended || waitsOnResume(p))).map((p) => p.taskId),
        ]);
        return [...ids].map((taskId) => ({ rule, taskId, prev: prevOf.get(`${rule.id}#${taskId}`) }));
      });
      const observations = await mapLimit(watched, source.http.concurrency, (w) => observe(client, w.taskId, running, w.prev, signal));
      // acknowledgments are made on the episode items: tasks are few, so read them all fresh
      const ids = previous.flatMap((p) => [p.episodeId, p.configEpisodeId].filter((x): x is string => !!x));
      const fresh = ids.length ? await store.episodes.loadEpisodes(source.id, ids) : new Map<string, Episode>();
      const episodes = new Map([...state.episodes, ...[...fresh].filter(([, e]) => e.resolvedAt === undefined)]);
      const steps: EpisodeStep[] = [];
      const items: TaskSnapshot[] = [];
      const seen = new Set<string>();
      let changes = 0;
      let openAlerts = 0;
      for (const [i, w] of watched.entries()) {
        seen.add(`${w.rule.id}#${w.taskId}`);
        const observation = observations[i];
        if (!observation) {
          // ended and unchanged: kept as it was
          if (w.prev) items.push(w.prev);
          if (w.prev?.episodeId) openAlerts++;
          continue;
        }
        const plan = planTask({
          now,
          source: source.id,
          rule: w.rule,
          taskId: w.taskId,
          prev: w.prev,
          episode: w.prev?.episodeId ? episodes.get(w.prev.episodeId) : undefined,
          configEpisode: w.prev?.configEpisodeId ? episodes.get(w.prev.configEpisodeId) : undefined,
          observation,
          silenced: isSilenced(silences, now, source.id, String(w.taskId), [], w.rule.id),
          policy: policyOf(w.rule, config.escalationPolicies),
          relayAcks,
          unobservedMs,
        });
        if (plan.item.episodeId || plan.item.configEpisodeId) openAlerts++;
        if (plan.changed) changes++;
        items.push(plan.item);
        steps.push(...plan.steps);
      }
      // ended tasks of rules still configured stay in the snapshot (asked about once only)
      for (const p of previous) if (!seen.has(`${p.ruleId}#${p.taskId}`) && rules.some((r) => r.id === p.ruleId)) items.push(p);
      await enrich(client, steps, new Map(rules.map((r) => [r.id, r])), signal);
      return { items, steps, episodes, outcome: { tasks: watched.length, changes, openAlerts } };
    },
    episodeIds: (t) => [t.episodeId, t.configEpisodeId].filter((x): x is string => !!x),
    save: (next) => store.states.saveTasks(fn, source.id, next, Date.now()),
  };
}
