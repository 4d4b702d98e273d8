import { describe, expect, it } from 'vitest';
import { planTask, type TaskObservation } from '#shared/alerting/tasks';
import { TaskRuleSchema } from '#shared/config/schema';
import type { Episode, TaskSnapshot } from '#shared/model/items';

const T = Date.UTC(2026, 10, 23, 9, 0, 0);
const MIN = 60_000;

/** Runs planTask over (minute, abnormal, called) reads of one running task, as consecutive ticks would. */
function timeline(rule: object, reads: [number, number, number][], last?: TaskObservation) {
  const r = TaskRuleSchema.parse({ id: 'share', source: 'itnio-main', taskIds: [700], ...rule });
  let prev: TaskSnapshot | undefined;
  let episode: Episode | undefined;
  const said: string[] = [];
  const ids = new Set<string>();
  const obs = reads.map(([m, abnormal, called]): [number, TaskObservation] => [
    m,
    { kind: 'running', counts: { '7': abnormal, '9': called } },
  ]);
  if (last) obs.push([reads[reads.length - 1]![0] + 1, last]);
  for (const [m, observation] of obs) {
    const plan = planTask({
      now: T + m * MIN,
      source: 'itnio-main',
      rule: r,
      taskId: 700,
      prev,
      episode,
      configEpisode: undefined,
      observation,
      silenced: false,
    });
    for (const s of plan.steps) {
      said.push(`${m}:${s.kind}`);
      ids.add(s.next.episodeId);
      episode = s.next;
    }
    prev = plan.item;
  }
  return { said, ids };
}

describe('a task hovering at a threshold', () => {
  // 30% abnormal of at least 20 attempted: 6/20 meets it, 6/21 does not, 7/23 does, ...
  const hovering: [number, number, number][] = [
    [0, 6, 14],
    [1, 6, 15],
    [2, 7, 16],
    [3, 7, 17],
    [4, 8, 18],
    [5, 8, 19],
  ];

  it('pages once, not at every crossing, with the rule default (resolveAfter 5m)', () => {
    const { said, ids } = timeline({ abnormalShare: { atLeast: 0.3 } }, hovering);
    expect(said).toEqual(['0:fired']);
    expect(ids.size).toBe(1);
  });

  it('resolves once the thresholds stayed unmet for resolveAfter', () => {
    const below: [number, number, number][] = [[0, 6, 14], ...[1, 2, 3, 4, 5, 6, 7].map((m): [number, number, number] => [m, 6, 30])];
    expect(timeline({ abnormalShare: { atLeast: 0.3 } }, below).said).toEqual(['0:fired', '6:resolved']);
    expect(timeline({ abnormalShare: { atLeast: 0.3 }, resolveAfter: '2m' }, below).said).toEqual(['0:fired', '3:resolved']);
  });

  it('"0m" resolves at once, as before', () => {
    expect(timeline({ abnormalShare: { atLeast: 0.3 }, resolveAfter: '0m' }, hovering).said).toEqual([
      '0:fired',
      '1:resolved',
      '2:fired',
      '3:resolved',
      '4:fired',
      '5:resolved',
    ]);
  });

  it('a task that ends resolves at once, held or not', () => {
    const { said } = timeline({ abnormalShare: { atLeast: 0.3 } }, hovering.slice(0, 2), {
      kind: 'ended',
      taskStatus: 12,
      note: 'task is completed',
    });
    expect(said).toEqual(['0:fired', '2:resolved']);
  });
});

describe('growth after an outage', () => {
  it('a count that grew while no read succeeded is not growth within the window', () => {
    const r = TaskRuleSchema.parse({ id: 'growth', source: 'itnio-main', taskIds: [700], growth: { by: 5, within: '15m' } });
    const run = (prev: TaskSnapshot | undefined, m: number, abnormal: number, unobservedMs = 0) =>
      planTask({
        now: T + m * MIN,
        source: 'itnio-main',
        rule: r,
        taskId: 700,
        prev,
        episode: undefined,
        configEpisode: undefined,
        observation: { kind: 'running', counts: { '7': abnormal, '9': 100 } },
        silenced: false,
        unobservedMs,
      });
    const before = run(undefined, 0, 10).item;
    // an hour of failed reads, then +13: the outage's growth, not a burst
    const after = run(before, 61, 23, 60 * MIN);
    expect(after.steps).toEqual([]);
    // growth from there on still counts
    expect(run(after.item, 66, 29).steps.map((s) => s.kind)).toEqual(['fired']);
  });

  it('an open growth alert is not resolved by the window starting again after failed reads', () => {
    const r = TaskRuleSchema.parse({ id: 'growth', source: 'itnio-main', taskIds: [700], growth: { by: 5, within: '15m' } });
    const counts = (abnormal: number) => ({ kind: 'running' as const, counts: { '7': abnormal, '9': 100 } });
    let prev: TaskSnapshot | undefined;
    let episode: Episode | undefined;
    const said: string[] = [];
    for (const [m, abnormal, unobservedMs] of [
      [0, 10, 0],
      [5, 16, 0],
      [20, 22, 10 * MIN],
      [21, 22, 0],
      [23, 22, 0],
      [25, 22, 0],
      [27, 22, 0],
    ] as const) {
      const plan = planTask({
        now: T + m * MIN,
        source: 'itnio-main',
        rule: r,
        taskId: 700,
        prev,
        episode,
        configEpisode: undefined,
        observation: counts(abnormal),
        silenced: false,
        unobservedMs,
      });
      for (const st of plan.steps) {
        said.push(`${m}:${st.kind}`);
        episode = st.next;
      }
      prev = plan.item;
    }
    expect(said).toEqual(['5:fired']);
  });
});

describe('a suspended task', () => {
  it('keeps its open alert (no repeat) until it resumes or ends for good: no new page on resume', () => {
    const r = TaskRuleSchema.parse({ id: 'count', source: 'itnio-main', taskIds: [700], abnormalCount: 40, repeatEvery: '10m' });
    let prev: TaskSnapshot | undefined;
    let episode: Episode | undefined;
    const said: string[] = [];
    const ids = new Set<string>();
    const step = (m: number, observation: TaskObservation) => {
      const plan = planTask({
        now: T + m * MIN,
        source: 'itnio-main',
        rule: r,
        taskId: 700,
        prev,
        episode,
        configEpisode: undefined,
        observation,
        silenced: false,
      });
      for (const s of plan.steps) {
        said.push(`${m}:${s.kind}`);
        ids.add(s.next.episodeId);
        episode = s.next;
      }
      prev = plan.item;
    };
    const running = { kind: 'running' as const, counts: { '7': 45, '9': 100 } };
    step(0, running);
    for (const m of [5, 10, 15, 20]) step(m, { kind: 'ended', taskStatus: 15, note: 'task is suspended' });
    expect(prev).toMatchObject({ ended: true, taskStatus: 15, episodeId: [...ids][0] });
    step(21, running);
    step(30, { kind: 'ended', taskStatus: 12, note: 'task is completed' });
    expect(said).toEqual(['0:fired', '21:repeat', '30:resolved']);
    expect(ids.size).toBe(1);
  });
});
