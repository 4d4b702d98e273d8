import type { EpisodeWrite } from '#shared/alerting/episode-write';
import { isSilenced } from '#shared/alerting/scope';
import { planTask, type TaskObservation } from '#shared/alerting/tasks';
import type { Config, TaskRule } from '#shared/config/schema';
import { FN } from '#shared/contracts/names';
import type { TaskItem } from '#shared/model/items';
import { CONTACT_STATUS, TASK_STATUS, TASK_STATUS_NAMES } from '#shared/model/task';
import { mapLimit } from '#shared/runtime/concurrency';
import { SourceError } from '#shared/vendors/errors';
import type { ItnioClient, PreviewTask } from '#shared/vendors/itnio';
import { type CoreDeps, commitEpisodes, type RunReport, runFunctionTick } from './tick';

/** Every contact status is counted with one size=1 request: 1 in progress, 5 not called, 7 abnormal, 9 called. */
export const COUNTED_STATUSES = [
  CONTACT_STATUS.inProgress,
  CONTACT_STATUS.notCalled,
  CONTACT_STATUS.abnormal,
  CONTACT_STATUS.called,
] as const;
const EXAMPLES = 5;

async function observe(
  client: ItnioClient,
  taskId: number,
  running: Map<number, PreviewTask>,
  prev: TaskItem | undefined,
): Promise<TaskObservation | undefined> {
  const listed = running.get(taskId);
  if (listed) {
    try {
      const totals = await Promise.all(COUNTED_STATUSES.map((s) => client.countTaskContacts(taskId, s)));
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
  // not running: nothing can change while it stays ended, so ask only once
  if (prev?.ended) return undefined;
  const [found] = await client.listPreviewTasks({ taskId });
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
async function enrich(client: ItnioClient, writes: readonly EpisodeWrite[], rules: Map<string, TaskRule>): Promise<void> {
  for (const w of writes) {
    const n = w.notice;
    const rule = rules.get(w.next.ruleId);
    if (!n?.task || !rule || n.status === 'resolved' || rule.sampleSize === 0) continue;
    try {
      const { contacts } = await client.readTaskContacts(Number(n.subjectId), [CONTACT_STATUS.abnormal], rule.sampleSize);
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
export function runPreviewTasks(config: Config, tick: string, now: number, deps: CoreDeps): Promise<RunReport> {
  const { store, log } = deps;
  const sourceIds = [...new Set(config.taskRules.map((r) => r.source))];
  const sources = config.sources.filter((s) => sourceIds.includes(s.id));
  return runFunctionTick({ fn: FN.previewTasks, sources, config, tick, now, deps }, async (source, won) => {
    const client = await deps.readers.taskClient(source);
    const rules = config.taskRules.filter((r) => r.source === source.id);
    const running = new Map((await client.listPreviewTasks({ taskStatus: [TASK_STATUS.calling] })).map((t) => [t.taskId, t]));
    const previous = await store.snapshots.loadTasks(source.id);
    const prevOf = new Map(previous.map((p) => [`${p.ruleId}#${p.taskId}`, p]));
    const watched = rules.flatMap((rule) => {
      const ids = new Set([
        ...rule.taskIds,
        ...(rule.discoverRunning ? running.keys() : []),
        ...previous.filter((p) => p.ruleId === rule.id && !p.ended).map((p) => p.taskId),
      ]);
      return [...ids].map((taskId) => ({ rule, taskId, prev: prevOf.get(`${rule.id}#${taskId}`) }));
    });
    const observations = await mapLimit(watched, source.http.concurrency, (w) => observe(client, w.taskId, running, w.prev));
    return async () => {
      const episodes = await store.episodes.loadEpisodes(
        source.id,
        previous.flatMap((p) => [p.episodeId, p.configEpisodeId].filter((x): x is string => !!x)),
      );
      const mine: EpisodeWrite[] = [];
      let changes = 0;
      let openAlerts = 0;
      for (const [i, w] of watched.entries()) {
        const observation = observations[i];
        if (!observation) {
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
          silenced: isSilenced(config.silences, now, source.id, String(w.taskId), []),
        });
        if (plan.item.episodeId || plan.item.configEpisodeId) openAlerts++;
        if (plan.changed) {
          if (!(await store.snapshots.writeTask(plan.item, plan.prevVersion))) {
            log.warn('another run updated this task first; leaving it to it', { source: source.id, task: w.taskId });
            continue;
          }
          changes++;
        }
        // a repeat or escalation of a task whose counts stand still changes only its episode,
        // whose own versioned write keeps overlapping runs from both sending it
        mine.push(...(await commitEpisodes(store, plan.episodeWrites, log)));
      }
      await enrich(client, mine, new Map(rules.map((r) => [r.id, r])));
      won.push(...mine);
      return { tasks: watched.length, changes, openAlerts };
    };
  });
}
