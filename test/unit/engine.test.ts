import { describe, expect, it } from 'vitest';
import { type AgentPlanInput, pickRule, planAgents, stateSince } from '#shared/alerting/agents';
import { episodeIdFor } from '#shared/alerting/episode-id';
import { planHealth } from '#shared/alerting/health';
import { type AgentRule, AgentRuleSchema } from '#shared/config/schema';
import { FN } from '#shared/contracts/names';
import type { NormalizedAgent } from '#shared/model/agent';
import type { AgentSnapshot, Episode, HealthItem } from '#shared/model/items';

const MIN = 60_000;
const T = Date.UTC(2026, 10, 23, 9, 0);
const rule = (r: object): AgentRule => AgentRuleSchema.parse(r);

function obs(p: Partial<NormalizedAgent> = {}): NormalizedAgent {
  return { source: 's', agentId: 'a1', name: 'Ann', groups: ['sales'], state: 'idle', vendorState: '2', observedAt: T, ...p };
}

/** Feeds observations through the engine like consecutive runs would, keeping the snapshot. */
function simulate(
  rules: AgentRule[],
  steps: { at: number; agent: Partial<NormalizedAgent> | null }[],
  extra: Partial<AgentPlanInput> = {},
  /** Lets a test act between runs, e.g. acknowledge (as the store's setAck does). */
  between?: (at: number, episodes: Map<string, Episode>) => void,
) {
  let items: AgentSnapshot[] = [];
  const episodes = new Map<string, Episode>();
  const notices: { at: number; status: string; rule: string; forMin: number; severity: string }[] = [];
  for (const step of steps) {
    between?.(step.at, episodes);
    const plan = planAgents({
      now: step.at,
      source: 's',
      observed: step.agent ? [obs({ ...step.agent, observedAt: step.at })] : [],
      previous: items,
      episodes,
      rules,
      silences: [],
      open: true,
      ...extra,
    });
    items = plan.agents;
    for (const w of plan.steps) {
      episodes.set(w.next.episodeId, w.next);
      if (w.notice)
        notices.push({
          at: (step.at - T) / MIN,
          status: w.notice.status,
          rule: w.notice.ruleId,
          forMin: Math.round(w.notice.forSec / 60),
          severity: w.notice.severity,
        });
    }
  }
  return { notices, items };
}

describe('time in state', () => {
  it('keeps the start while the state is unchanged, and starts anew on a change', () => {
    const prev = { since: T - 5 * MIN, state: 'break', vendorState: '5' } as AgentSnapshot;
    expect(stateSince(prev, obs({ state: 'break', vendorState: '5', observedAt: T }))).toBe(T - 5 * MIN);
    expect(stateSince(prev, obs({ state: 'idle', observedAt: T }))).toBe(T);
  });
  it("uses the vendor's own duration, ignoring poll jitter but not a real restart", () => {
    const prev = { since: T - 20 * MIN, state: 'break', vendorState: '8' } as AgentSnapshot;
    expect(stateSince(prev, obs({ state: 'break', vendorState: '8', inStateForSec: 20 * 60 + 3 }))).toBe(T - 20 * MIN);
    expect(stateSince(prev, obs({ state: 'break', vendorState: '8', inStateForSec: 30 }))).toBe(T - 30_000);
    // a vendor answer lagging a minute behind our clock is not a restart
    expect(stateSince(prev, obs({ state: 'break', vendorState: '8', inStateForSec: 19 * 60 }))).toBe(T - 20 * MIN);
    expect(stateSince(undefined, obs({ state: 'break', inStateForSec: 600 }))).toBe(T - 600_000);
  });
});

describe('ticks that start a little early', () => {
  it('on a 5-minute schedule, "15m", "repeat every 10m" and "escalate after 25m" come on the tick they are due, not the next', () => {
    // each tick starts up to 300 ms before its minute; the one that saw the break started on time
    const r = rule({ id: 'long-break', states: ['break'], after: '15m', repeatEvery: '10m', escalateAfter: '25m' });
    const steps = [0, 5, 10, 15, 20, 25, 30].map((m) => ({
      at: T + m * MIN - (m ? 300 : 0),
      agent: { state: 'break' as const, vendorState: '5' },
    }));
    const { notices } = simulate([r], steps);
    expect(notices.map((n) => [Math.round(n.at), n.status])).toEqual([
      [15, 'firing'],
      [25, 'escalated'],
    ]);
    const repeated = simulate([rule({ id: 'long-break', states: ['break'], after: '15m', repeatEvery: '10m' })], steps).notices;
    expect(repeated.map((n) => [Math.round(n.at), n.status])).toEqual([
      [15, 'firing'],
      [25, 'repeat'],
    ]);
  });
});

describe('rule choice', () => {
  const rules = [
    rule({ id: 'any-break', states: ['break'], after: '15m' }),
    rule({ id: 'sales-break', states: ['break'], after: '10m', scope: { groups: ['sales'] } }),
    rule({ id: 'ann-break', states: ['break'], after: '5m', scope: { agents: ['s:a1'] } }),
    rule({ id: 'meal', states: ['break'], reasons: ['3'], after: '45m', scope: { groups: ['sales'] } }),
  ];
  it('the most specific scope wins', () => {
    expect(pickRule(rules, obs({ state: 'break' }))?.id).toBe('ann-break');
    expect(pickRule(rules, obs({ state: 'break', agentId: 'a2' }))?.id).toBe('sales-break');
    expect(pickRule(rules, obs({ state: 'break', agentId: 'a2', groups: ['support'] }))?.id).toBe('any-break');
  });
  it('a reason-specific rule beats the plain one at the same scope', () => {
    expect(pickRule(rules, obs({ state: 'break', agentId: 'a2', reasonCode: '3' }))?.id).toBe('meal');
  });
  it('no rule for a state means no episode', () => {
    expect(pickRule(rules, obs({ state: 'busy' }))).toBeUndefined();
  });
});

describe('episode lifecycle', () => {
  const r = rule({ id: 'long-break', states: ['break'], after: '15m', repeatEvery: '30m', escalateAfter: '60m' });
  const minutes = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('fires at 15, repeats at 45, escalates at 60, resolves when back', () => {
    const { notices } = simulate(
      [r],
      minutes(70).map((m) => ({
        at: T + m * MIN,
        agent: { state: m >= 1 && m < 66 ? 'break' : 'idle', vendorState: m >= 1 && m < 66 ? '5' : '2' },
      })),
    );
    expect(notices).toEqual([
      { at: 16, status: 'firing', rule: 'long-break', forMin: 15, severity: 'warning' },
      { at: 46, status: 'repeat', rule: 'long-break', forMin: 45, severity: 'warning' },
      { at: 61, status: 'escalated', rule: 'long-break', forMin: 60, severity: 'critical' },
      { at: 66, status: 'resolved', rule: 'long-break', forMin: 65, severity: 'critical' },
    ]);
  });

  it('busy then wrap-up under one rule is one continuous episode', () => {
    const onCall = rule({ id: 'on-call', states: ['busy', 'wrapup'], after: '30m' });
    const { notices } = simulate(
      [onCall],
      minutes(40).map((m) => ({
        at: T + m * MIN,
        agent: m < 20 ? { state: 'busy', vendorState: '3' } : m < 35 ? { state: 'wrapup', vendorState: '4' } : { state: 'idle' },
      })),
    );
    expect(notices.map((n) => [n.at, n.status])).toEqual([
      [30, 'firing'],
      [35, 'resolved'],
    ]);
  });

  it('an agent missing from a complete answer counts as offline and resolves', () => {
    const { notices, items } = simulate(
      [r],
      [
        { at: T, agent: { state: 'break', vendorState: '5' } },
        { at: T + 15 * MIN, agent: { state: 'break', vendorState: '5' } },
        { at: T + 16 * MIN, agent: null },
      ],
    );
    expect(notices.map((n) => n.status)).toEqual(['firing', 'resolved']);
    expect(items[0]).toMatchObject({ state: 'offline', vendorState: 'absent' });
  });

  it('first seen already past the escalation point: one escalated notice, not two', () => {
    const { notices } = simulate([r], [{ at: T, agent: { state: 'break', vendorState: '8', inStateForSec: 2 * 3600 } }]);
    expect(notices.map((n) => [n.status, n.severity])).toEqual([['escalated', 'critical']]);
  });

  it('nothing is written when nothing changed', () => {
    const first = planAgents({
      now: T,
      source: 's',
      observed: [obs()],
      previous: [],
      episodes: new Map(),
      rules: [r],
      silences: [],
      open: true,
    });
    const again = planAgents({
      now: T + MIN,
      source: 's',
      observed: [obs({ observedAt: T + MIN })],
      previous: first.agents,
      episodes: new Map(),
      rules: [r],
      silences: [],
      open: true,
    });
    expect(first.changes).toBe(1);
    expect(again.changes).toBe(0);
  });

  it('episode ids are short, readable and stable', () => {
    const id = episodeIdFor('s', 'agent', 'a1', 'long-break', T);
    expect(id).toMatch(/^[2-9A-HJ-NP-Z]{6}$/);
    expect(episodeIdFor('s', 'agent', 'a1', 'long-break', T)).toBe(id);
    expect(episodeIdFor('s', 'agent', 'a1', 'long-break', T + 1)).not.toBe(id);
  });
});

describe('partial answers and gaps', () => {
  const r = rule({ id: 'long-break', states: ['break'], after: '15m' });
  const base = { source: 's', rules: [r], silences: [], open: true };

  it('an agent left out of a partial answer keeps its state and its alert, until three reads in a row', () => {
    const inBreak = obs({ state: 'break', vendorState: '8', observedAt: T, inStateForSec: 20 * 60 });
    const first = planAgents({ ...base, now: T, observed: [inBreak], previous: [], episodes: new Map() });
    expect(first.steps.map((s) => s.kind)).toEqual(['fired']);
    const episodes = new Map([[first.steps[0]!.next.episodeId, first.steps[0]!.next]]);
    let previous = first.agents;
    const kinds: string[][] = [];
    for (let i = 1; i <= 3; i++) {
      const plan = planAgents({ ...base, now: T + i * MIN, observed: [], unreported: new Set(['a1']), previous, episodes });
      kinds.push(plan.steps.map((s) => s.kind));
      if (i < 3) {
        expect(plan.agents).toEqual([{ ...first.agents[0], missed: i }]);
        expect(plan.openAlerts).toBe(1);
        expect(plan.removed).toEqual([]);
      } else expect(plan.removed).toEqual(['a1']);
      previous = plan.agents;
    }
    // two partial answers change nothing; the third in a row takes the agent as removed
    expect(kinds).toEqual([[], [], ['resolved']]);
  });

  it('an agent taken as signed off and still not reported stays as it is: no change to store, no new count', () => {
    const inBreak = obs({ state: 'break', vendorState: '8', observedAt: T, inStateForSec: 20 * 60 });
    let previous = planAgents({ ...base, now: T, observed: [inBreak], previous: [], episodes: new Map() }).agents;
    for (let i = 1; i <= 3; i++)
      previous = planAgents({ ...base, now: T + i * MIN, observed: [], unreported: new Set(['a1']), previous, episodes: new Map() }).agents;
    expect(previous).toMatchObject([{ state: 'offline', vendorState: 'absent' }]);
    // an NXCloud agent signed off is unreported every tick from then on
    for (let i = 4; i <= 8; i++) {
      const plan = planAgents({ ...base, now: T + i * MIN, observed: [], unreported: new Set(['a1']), previous, episodes: new Map() });
      expect(plan.agents).toEqual(previous);
      expect([plan.changes, plan.removed, plan.steps, plan.byState.offline]).toEqual([0, [], [], 1]);
      previous = plan.agents;
    }
  });

  it('keeps the snapshot in its own order whatever order the vendor answers in', () => {
    const ids = ['c', 'a', 'b'];
    const previous = ids.map((agentId) => ({ ...obs({ agentId }), since: T - MIN }) as AgentSnapshot);
    const answer = ['b', 'd', 'c', 'a'].map((agentId) => obs({ agentId, observedAt: T }));
    const plan = planAgents({ ...base, now: T, observed: answer, previous, episodes: new Map() });
    expect(plan.agents.map((a) => a.agentId)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('ids the vendor never reported are not required', () => {
    const plan = planAgents({ ...base, now: T, observed: [obs()], unreported: new Set(['9999']), previous: [], episodes: new Map() });
    expect(plan.agents.map((a) => a.agentId)).toEqual(['a1']);
  });

  it('an answer again reports the agent: its missed count is cleared', () => {
    const previous = [{ ...obs(), since: T - MIN, missed: 2 } as AgentSnapshot];
    const { observedAt: _o, ...plain } = obs({ observedAt: T });
    const plan = planAgents({ ...base, now: T, observed: [obs({ observedAt: T })], previous, episodes: new Map() });
    expect(plan.agents[0]).toEqual({ ...plain, since: T - MIN });
  });

  it('time not observed (failed reads) does not count toward a rule that has not fired', () => {
    const since = T - 10 * MIN;
    const previous = [{ ...obs({ state: 'break', vendorState: '5' }), since, run: { ruleId: 'long-break', since } } as AgentSnapshot];
    const now = T + 10 * MIN;
    const seen = obs({ state: 'break', vendorState: '5', observedAt: now });
    // 20 minutes in break by the clock, but 9 of them unobserved: 11 minutes count, no alert yet
    const gap = planAgents({ ...base, now, observed: [seen], previous, episodes: new Map(), unobservedMs: 9 * MIN });
    expect(gap.steps).toEqual([]);
    expect(gap.agents[0]!.since).toBe(since + 9 * MIN);
    // without the gap the same answer fires
    expect(planAgents({ ...base, now, observed: [seen], previous, episodes: new Map() }).steps.map((s) => s.kind)).toEqual(['fired']);
    // a vendor that reports time in state itself is believed
    const timed = obs({ state: 'break', vendorState: '5', observedAt: now, inStateForSec: 20 * 60 });
    expect(
      planAgents({ ...base, now, observed: [timed], previous, episodes: new Map(), unobservedMs: 9 * MIN }).steps.map((s) => s.kind),
    ).toEqual(['fired']);
  });

  it('every step of an episode has its own id, and notices carry it', () => {
    const { notices } = simulate(
      [rule({ id: 'long-break', states: ['break'], after: '15m', repeatEvery: '10m' })],
      Array.from({ length: 30 }, (_, m) => ({
        at: T + m * MIN,
        agent: m >= 1 && m < 28 ? { state: 'break', vendorState: '5' } : { state: 'idle' },
      })),
    );
    expect(notices.map((n) => n.status)).toEqual(['firing', 'repeat', 'resolved']);
    const plan = planAgents({
      ...base,
      now: T,
      observed: [obs({ state: 'break', vendorState: '5', observedAt: T, inStateForSec: 20 * 60 })],
      previous: [],
      episodes: new Map(),
    });
    expect(plan.steps[0]!.notice!.step).toBe(1);
  });
});

describe('acknowledging', () => {
  const minutes = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      at: T + i * MIN,
      agent: { state: i < 70 ? 'break' : 'idle', vendorState: i < 70 ? '5' : '2' } as Partial<NormalizedAgent>,
    }));
  const ackAt = (minute: number, snoozeMin?: number) => (at: number, episodes: Map<string, Episode>) => {
    if (at !== T + minute * MIN) return;
    for (const [id, e] of episodes)
      if (!e.resolvedAt)
        episodes.set(id, {
          ...e,
          ackedBy: 'Ann',
          ackedAt: at,
          ...(snoozeMin ? { snoozeUntil: at + snoozeMin * MIN } : {}),
          version: e.version + 1,
        });
  };
  const rule = (r: object) => AgentRuleSchema.parse({ id: 'long-break', states: ['break'], after: '15m', ...r });
  const steps = (notices: { at: number; status: string }[]) => notices.map((n) => `${n.at}:${n.status}`);

  it('escalates exactly when nobody acknowledged in time', () => {
    const { notices } = simulate([rule({ escalateIfNotAckedAfter: '10m' })], minutes(72));
    expect(steps(notices)).toEqual(['15:firing', '25:escalated', '70:resolved']);
  });

  it('acknowledging in time stops the escalation and the repeats; the alert still resolves', () => {
    const { notices } = simulate(
      [rule({ escalateIfNotAckedAfter: '10m', repeatEvery: '5m', escalateAfter: '40m' })],
      minutes(72),
      {},
      ackAt(18),
    );
    expect(steps(notices)).toEqual(['15:firing', '70:resolved']);
  });

  it('a snooze silences until it ends, then repeats resume and escalation counts from its end', () => {
    const { notices } = simulate([rule({ escalateIfNotAckedAfter: '10m', repeatEvery: '20m' })], minutes(72), {}, ackAt(18, 30));
    // snoozed 18-48: a repeat at 48 (last notice was at 15), escalation 10 minutes after the snooze
    expect(steps(notices)).toEqual(['15:firing', '48:repeat', '58:escalated', '70:resolved']);
  });
});

describe('source health', () => {
  it('opens after K failures, once, and resolves on the first success', () => {
    let prev: HealthItem | undefined;
    let episode: Episode | undefined;
    const statuses: string[] = [];
    for (const [i, error] of ['x', 'x', 'x', 'x', undefined].entries()) {
      const p = planHealth({ now: T + i * MIN, fn: FN.agentStatus, source: 's', prev, episode, error, downAfter: 3, silenced: false });
      prev = p.health;
      for (const w of p.steps) {
        episode = w.next;
        statuses.push(`${i}:${w.notice?.status}`);
      }
    }
    expect(statuses).toEqual(['2:firing', '4:resolved']);
    expect(prev).toMatchObject({ consecutiveFailures: 0 });
  });
});
