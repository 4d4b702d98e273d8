import { describe, expect, it } from 'vitest';
import { planTask, type TaskObservation } from '#shared/alerting/tasks';
import { TaskRuleSchema } from '#shared/config/schema';
import type { Episode, TaskSnapshot } from '#shared/model/items';

const T = Date.UTC(2026, 10, 23, 9, 0, 0);
const MIN = 60_000;

/** A running task's read: abnormal and called contacts. */
const running = (abnormal: number, called: number): TaskObservation => ({ kind: 'running', counts: { '7': abnormal, '9': called } });

/** One tick: its minute, what it read, and the time before it no read observed. */
type Tick = [minute: number, observation: TaskObservation, unobservedMs?: number];

/** Runs planTask over the ticks of one task, as consecutive runs would: what was said, under which episode ids, and the last snapshot. */
function timeline(rule: object, ticks: Tick[]) {
  const r = TaskRuleSchema.parse({ id: 'rule', source: 'itnio-main', taskIds: [700], ...rule });
  let prev: TaskSnapshot | undefined;
  let episode: Episode | undefined;
  const said: string[] = [];
  const ids = new Set<string>();
  for (const [m, observation, unobservedMs] of ticks) {
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
      ...(unobservedMs ? { unobservedMs } : {}),
    });
    for (const s of plan.steps) {
      said.push(`${m}:${s.kind}`);
      ids.add(s.next.episodeId);
      episode = s.next;
    }
    prev = plan.item;
  }
  return { said, ids, last: prev };
}

describe('a task hovering at a threshold', () => {
  const share = { abnormalShare: { atLeast: 0.3 } };
  // 30% abnormal of at least 20 attempted: 6/20 meets it, 6/21 does not, 7/23 does, ...
  const hovering: Tick[] = [
    [0, running(6, 14)],
    [1, running(6, 15)],
    [2, running(7, 16)],
    [3, running(7, 17)],
    [4, running(8, 18)],
    [5, running(8, 19)],
  ];

  it('pages once, not at every crossing, with the rule default (resolveAfter 5m)', () => {
    const { said, ids } = timeline(share, hovering);
    expect(said).toEqual(['0:fired']);
    expect(ids.size).toBe(1);
  });

  it('resolves once the thresholds stayed unmet for resolveAfter', () => {
    const below: Tick[] = [[0, running(6, 14)], ...[1, 2, 3, 4, 5, 6, 7].map((m): Tick => [m, running(6, 30)])];
    expect(timeline(share, below).said).toEqual(['0:fired', '6:resolved']);
    expect(timeline({ ...share, resolveAfter: '2m' }, below).said).toEqual(['0:fired', '3:resolved']);
  });

  it('"0m" resolves at once, as before', () => {
    expect(timeline({ ...share, resolveAfter: '0m' }, hovering).said).toEqual([
      '0:fired',
      '1:resolved',
      '2:fired',
      '3:resolved',
      '4:fired',
      '5:resolved',
    ]);
  });

  it('a task that ends resolves at once, held or not', () => {
    const ended: Tick = [2, { kind: 'ended', taskStatus: 12, note: 'task is completed' }];
    expect(timeline(share, [...hovering.slice(0, 2), ended]).said).toEqual(['0:fired', '2:resolved']);
  });
});

describe('growth after an outage', () => {
  const growth = { growth: { by: 5, within: '15m' } };

  it('a count that grew while no read succeeded is not growth within the window', () => {
    // an hour of failed reads, then +13: the outage's growth, not a burst; growth from there on counts
    const ticks: Tick[] = [
      [0, running(10, 100)],
      [61, running(23, 100), 60 * MIN],
      [66, running(29, 100)],
    ];
    expect(timeline(growth, ticks).said).toEqual(['66:fired']);
  });

  it('an open growth alert is not resolved by the window starting again after failed reads', () => {
    const ticks: Tick[] = [
      [0, running(10, 100)],
      [5, running(16, 100)],
      [20, running(22, 100), 10 * MIN],
      ...[21, 23, 25, 27].map((m): Tick => [m, running(22, 100)]),
    ];
    expect(timeline(growth, ticks).said).toEqual(['5:fired']);
  });
});

describe('a suspended task', () => {
  it('keeps its open alert (no repeat) until it resumes or ends for good: no new page on resume', () => {
    const suspended = (m: number): Tick => [m, { kind: 'ended', taskStatus: 15, note: 'task is suspended' }];
    const rule = { abnormalCount: 40, repeatEvery: '10m' };
    const whileSuspended = timeline(rule, [[0, running(45, 100)], ...[5, 10, 15, 20].map(suspended)]);
    expect(whileSuspended.said).toEqual(['0:fired']);
    expect(whileSuspended.last).toMatchObject({ ended: true, taskStatus: 15, episodeId: [...whileSuspended.ids][0] });
    const { said, ids } = timeline(rule, [
      [0, running(45, 100)],
      ...[5, 10, 15, 20].map(suspended),
      [21, running(45, 100)],
      [30, { kind: 'ended', taskStatus: 12, note: 'task is completed' }],
    ]);
    expect(said).toEqual(['0:fired', '21:repeat', '30:resolved']);
    expect(ids.size).toBe(1);
  });
});
