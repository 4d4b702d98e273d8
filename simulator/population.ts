import type { AgentState } from '#shared/model/agent';

/** From `at` (epoch ms) on, the agent is in `state` (until the next segment). */
export interface Segment {
  at: number;
  state: AgentState;
  /** Vendor code override, e.g. Huawei 7 "showing busy"; otherwise derived from state. */
  code?: number;
  /** Huawei rest reason code, in rest (8) only. */
  reason?: number;
}

export interface SimAgent {
  id: string;
  name: string;
  groups: string[];
  /** ITNIO enable flag / NX status flag: disabled agents are still listed but not watched. */
  enabled?: boolean;
  /** Sorted by `at`. Before the first segment the agent is offline. */
  timeline: Segment[];
}

export interface ContactStep {
  at: number;
  /** 5 not called, 1 in progress, 9 called, 7 call abnormal. */
  status: 1 | 5 | 7 | 9;
  errorReason?: string;
}

export interface SimContact {
  id: number;
  called: string;
  agentName?: string;
  timeline: ContactStep[];
}

export interface SimTask {
  taskId: number;
  name: string;
  /** taskStatus over time (11 calling, 12 completed, ...). */
  statusTimeline: { at: number; taskStatus: number }[];
  contacts: SimContact[];
}

export function segmentAt(agent: SimAgent, t: number): { segment: Segment; since: number } {
  let current: Segment = { at: Number.NEGATIVE_INFINITY, state: 'offline' };
  for (const seg of agent.timeline) {
    if (seg.at > t) break;
    current = seg;
  }
  return { segment: current, since: current.at };
}

/** Seconds spent in each segment's state over [start, end] (ms), keyed by what `keyOf` says. */
export function timeByKey(
  agent: SimAgent,
  start: number,
  end: number,
  keyOf: (seg: Segment) => string | undefined,
  /** The first state held before the timeline began (an agent already at work when the vendor is first asked). */
  heldBefore = false,
): Record<string, number> {
  const out: Record<string, number> = {};
  const segs = agent.timeline;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as Segment;
    const segEnd = i + 1 < segs.length ? (segs[i + 1] as Segment).at : Number.POSITIVE_INFINITY;
    const from = i === 0 && heldBefore ? start : Math.max(seg.at, start);
    const to = Math.min(segEnd, end);
    const key = keyOf(seg);
    if (to > from && key) out[key] = (out[key] ?? 0) + (to - from) / 1000;
  }
  return out;
}

export function contactStatusAt(contact: SimContact, t: number): ContactStep {
  let current: ContactStep = { at: Number.NEGATIVE_INFINITY, status: 5 };
  for (const step of contact.timeline) {
    if (step.at > t) break;
    current = step;
  }
  return current;
}

export function taskStatusAt(task: SimTask, t: number): number {
  let status = 1;
  for (const s of task.statusTimeline) if (s.at <= t) status = s.taskStatus;
  return status;
}

/** N agents idle from t0, spread over `groups`; ids from `firstId`. */
export function generateAgents(opts: { count: number; t0: number; firstId?: number; groups?: string[]; idPrefix?: string }): SimAgent[] {
  const groups = opts.groups ?? ['sales', 'support', 'billing'];
  const first = opts.firstId ?? 1;
  return Array.from({ length: opts.count }, (_, i) => {
    const n = first + i;
    return {
      id: `${opts.idPrefix ?? ''}${n}`,
      name: `Agent ${n}`,
      groups: [groups[i % groups.length] as string],
      timeline: [{ at: opts.t0, state: 'idle' as AgentState }],
    };
  });
}

/**
 * A preview task dialling one contact every `dialEverySec` from t0: each goes 5 -> 1 (ringing),
 * then after `talkSec` to 9 (called) or, where `abnormal(i)`, to 7 with a reason.
 */
export function dialerTask(opts: {
  taskId: number;
  name: string;
  t0: number;
  contacts: number;
  dialEverySec: number;
  talkSec?: number;
  abnormal: (i: number, dialAt: number) => boolean;
  reasons?: string[];
  agents?: string[];
  /** When the task completes (taskStatus 12); running until then. */
  endAt?: number;
}): SimTask {
  const reasons = opts.reasons ?? ['No answer', 'Number unreachable', 'Line busy', 'Carrier rejected'];
  const talk = (opts.talkSec ?? 30) * 1000;
  const contacts: SimContact[] = Array.from({ length: opts.contacts }, (_, i) => {
    const dialAt = opts.t0 + i * opts.dialEverySec * 1000;
    const bad = opts.abnormal(i, dialAt);
    return {
      id: opts.taskId * 100000 + i,
      called: `86138${String(10000000 + ((i * 7919) % 90000000)).slice(-8)}`,
      ...(opts.agents ? { agentName: opts.agents[i % opts.agents.length] as string } : {}),
      timeline: [
        { at: opts.t0 - 1000, status: 5 as const },
        { at: dialAt, status: 1 as const },
        bad
          ? { at: dialAt + talk, status: 7 as const, errorReason: reasons[i % reasons.length] as string }
          : { at: dialAt + talk, status: 9 as const },
      ],
    };
  });
  const statusTimeline = [
    { at: opts.t0 - 1000, taskStatus: 11 },
    ...(opts.endAt !== undefined ? [{ at: opts.endAt, taskStatus: 12 }] : []),
  ];
  return { taskId: opts.taskId, name: opts.name, statusTimeline, contacts };
}
