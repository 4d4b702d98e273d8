import * as z from 'zod';
import type { AgentState } from '#shared/model/agent';
import type { AgentSnapshot } from '#shared/model/items';

/**
 * Columnar encoding of one source's agent snapshot into two state-document parts:
 * - `roster`: who the agents are (id, name, groups); rewritten only when the roster changes;
 * - `states`: what changes every tick, aligned with the roster's order.
 * Repeated strings become dictionary indexes and times become small integers relative to a base,
 * so the JSON is dominated by short digit runs that compress well. Decoding gives back exactly
 * what was encoded (same order, same values, absent optional fields stay absent).
 * The roster is stored again only when its bytes change, order included: pass the agents in a
 * stable order (e.g. by agentId), not in whatever order the vendor answered this time.
 */

/** One agent of the snapshot (model/items.ts AgentSnapshot). */
export type AgentSnapshotItem = AgentSnapshot;

/** Every AgentState, checked against the model's type at compile time (a Record needs all keys). */
const STATE_KEYS: Record<AgentState, true> = { offline: true, idle: true, busy: true, wrapup: true, break: true, other: true };
const STATES = Object.keys(STATE_KEYS) as [AgentState, ...AgentState[]];

const FORMAT = 1;
const INFERRED = { absent: 0, false: 1, true: 2 } as const;

// ---- schemas -----------------------------------------------------------------------------------

/**
 * An integer column. Checked in one pass: zod's per-element schemas cost ~10x more at 50k rows,
 * and load validates every tick. The first bad element is reported with its index.
 */
function intColumn(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .custom<number[]>((v) => Array.isArray(v), { message: 'expected an array' })
    .superRefine((col, ctx) => {
      for (let i = 0; i < col.length; i++) {
        const n = col[i];
        if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
          ctx.addIssue({ code: 'custom', message: `expected an integer in [${min}, ${max}], got ${JSON.stringify(n)}`, path: [i] });
          return;
        }
      }
    });
}

const stringColumn = z
  .custom<string[]>((v) => Array.isArray(v), { message: 'expected an array' })
  .superRefine((col, ctx) => {
    const bad = col.findIndex((s) => typeof s !== 'string');
    if (bad >= 0) ctx.addIssue({ code: 'custom', message: `expected a string, got ${JSON.stringify(col[bad])}`, path: [bad] });
  });

/** A name column: the name, or 0 where it equals the agent id (Huawei names are the ids). */
const nameColumn = z
  .custom<(string | 0)[]>((v) => Array.isArray(v), { message: 'expected an array' })
  .superRefine((col, ctx) => {
    const bad = col.findIndex((s) => typeof s !== 'string' && s !== 0);
    if (bad >= 0) ctx.addIssue({ code: 'custom', message: `expected a string or 0, got ${JSON.stringify(col[bad])}`, path: [bad] });
  });

const uint = z.int().nonnegative();
/** Sparse column: [row, value] pairs for the few rows that have a value. */
const sparse = <T extends z.ZodType>(value: T) => z.array(z.tuple([uint, value]));

type Ctx = z.core.$RefinementCtx;

function checkLength(ctx: Ctx, col: readonly unknown[], field: string, rows: number): void {
  if (col.length !== rows) ctx.addIssue({ code: 'custom', message: `has ${col.length} rows, expected ${rows}`, path: [field] });
}

/** Every index points into its dictionary; `offset` 1 means 0 stands for "absent". */
function checkIndexes(ctx: Ctx, col: readonly number[], field: string, dictSize: number, offset: 0 | 1): void {
  const bad = col.findIndex((n) => n >= dictSize + offset);
  if (bad >= 0)
    ctx.addIssue({ code: 'custom', message: `index ${col[bad]} is outside its dictionary (${dictSize} entries)`, path: [field, bad] });
}

function checkSparseRows(ctx: Ctx, col: readonly (readonly [number, unknown])[], field: string, rows: number): void {
  const bad = col.findIndex(([row]) => row >= rows);
  if (bad >= 0) ctx.addIssue({ code: 'custom', message: `row ${col[bad]![0]} is past the last row (${rows})`, path: [field, bad, 0] });
}

export const RosterPartSchema = z
  .object({
    format: z.literal(FORMAT),
    source: z.string(),
    agentId: stringColumn,
    name: nameColumn,
    groupDict: z.array(z.string()),
    /** Distinct group lists (indexes into groupDict, in the agent's own order). */
    groupSets: z.array(z.array(uint)),
    /** Per agent: index into groupSets. */
    groups: intColumn(0),
  })
  .superRefine((r, ctx) => {
    const rows = r.agentId.length;
    checkLength(ctx, r.name, 'name', rows);
    checkLength(ctx, r.groups, 'groups', rows);
    checkIndexes(ctx, r.groups, 'groups', r.groupSets.length, 0);
    for (const [i, set] of r.groupSets.entries()) checkIndexes(ctx, set, `groupSets[${i}]`, r.groupDict.length, 0);
  });
export type RosterPart = z.output<typeof RosterPartSchema>;

export const StatesPartSchema = z
  .object({
    format: z.literal(FORMAT),
    rows: uint,
    /** Epoch ms every time below counts back from (the latest time in the snapshot, rounded up to a second). */
    base: z.int(),
    stateDict: z.array(z.enum(STATES)),
    state: intColumn(0),
    vendorStateDict: z.array(z.string()),
    vendorState: intColumn(0),
    /** Dictionary index + 1; 0 when absent. */
    reasonCodeDict: z.array(z.string()),
    reasonCode: intColumn(0),
    reasonDict: z.array(z.string()),
    reason: intColumn(0),
    /** 0 absent, 1 false, 2 true. */
    inferred: intColumn(0, 2),
    /** Whole seconds from `since` up to base. */
    sinceSec: intColumn(0),
    /** The milliseconds below a second (omitted when all are 0). */
    sinceMs: intColumn(0, 999).optional(),
    /** Run rule: dictionary index + 1; 0 when the agent has no run. */
    runRuleDict: z.array(z.string()),
    runRule: intColumn(0),
    /** since - run.since in ms (0 when equal or no run). */
    runSince: intColumn(Number.MIN_SAFE_INTEGER),
    episodeId: sparse(z.string()),
    missed: sparse(uint),
    /** Times the integer columns cannot carry exactly (fractional ms), as absolute epoch ms. */
    exactSince: sparse(z.number()),
    exactRunSince: sparse(z.number()),
  })
  .superRefine((s, ctx) => {
    const rows = s.rows;
    for (const field of ['state', 'vendorState', 'reasonCode', 'reason', 'inferred', 'sinceSec', 'runRule', 'runSince'] as const)
      checkLength(ctx, s[field], field, rows);
    if (s.sinceMs) checkLength(ctx, s.sinceMs, 'sinceMs', rows);
    checkIndexes(ctx, s.state, 'state', s.stateDict.length, 0);
    checkIndexes(ctx, s.vendorState, 'vendorState', s.vendorStateDict.length, 0);
    checkIndexes(ctx, s.reasonCode, 'reasonCode', s.reasonCodeDict.length, 1);
    checkIndexes(ctx, s.reason, 'reason', s.reasonDict.length, 1);
    checkIndexes(ctx, s.runRule, 'runRule', s.runRuleDict.length, 1);
    for (const field of ['episodeId', 'missed', 'exactSince', 'exactRunSince'] as const) checkSparseRows(ctx, s[field], field, rows);
  });
export type StatesPart = z.output<typeof StatesPartSchema>;

/** The part schemas, for StateDocStore.load to validate the agent parts with. */
export const AGENT_PARTS = { roster: RosterPartSchema, states: StatesPartSchema };
export type AgentParts = { roster: RosterPart; states: StatesPart };

export class AgentCodecError extends Error {
  override readonly name = 'AgentCodecError';
}

// ---- encoding ----------------------------------------------------------------------------------

/** Assigns each distinct value an index in first-seen order. */
class Dict<T> {
  readonly values: T[] = [];
  private readonly index = new Map<T, number>();
  of(value: T): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
  /** Index + 1, or 0 for an absent value. */
  optional(value: T | undefined): number {
    return value === undefined ? 0 : this.of(value) + 1;
  }
}

export function encodeAgents(items: readonly AgentSnapshotItem[]): AgentParts {
  const source = items[0]?.source ?? '';
  const other = items.find((a) => a.source !== source);
  if (other) throw new AgentCodecError(`one snapshot holds one source: ${source} and ${other.source} (agent ${other.agentId})`);
  return { roster: encodeRoster(source, items), states: encodeStates(items) };
}

function encodeRoster(source: string, items: readonly AgentSnapshotItem[]): RosterPart {
  const groupDict = new Dict<string>();
  const setDict = new Dict<string>();
  const groupSets: number[][] = [];
  const rows = items.length;
  const [agentId, name, groups] = [new Array<string>(rows), new Array<string | 0>(rows), new Array<number>(rows)];
  for (let row = 0; row < rows; row++) {
    const a = items[row] as AgentSnapshotItem;
    agentId[row] = a.agentId;
    name[row] = a.name === a.agentId ? 0 : a.name;
    const set = a.groups.map((g) => groupDict.of(g));
    const i = setDict.of(set.join(','));
    if (i === groupSets.length) groupSets.push(set);
    groups[row] = i;
  }
  return { format: FORMAT, source, agentId, name, groupDict: groupDict.values, groupSets, groups };
}

/** Seconds and milliseconds back from base, when integer arithmetic gives `t` back exactly. */
function splitBack(base: number, t: number): { sec: number; ms: number } | undefined {
  const back = base - t;
  if (!Number.isSafeInteger(back) || back < 0) return undefined;
  const ms = back % 1000;
  const sec = (back - ms) / 1000;
  return base - (sec * 1000 + ms) === t ? { sec, ms } : undefined;
}

function encodeStates(items: readonly AgentSnapshotItem[]): StatesPart {
  const base = baseOf(items);
  const dict = {
    state: new Dict<AgentState>(),
    vendorState: new Dict<string>(),
    reasonCode: new Dict<string>(),
    reason: new Dict<string>(),
    runRule: new Dict<string>(),
  };
  const rows = items.length;
  const col = () => new Array<number>(rows);
  const [state, vendorState, reasonCode, reason, inferred, sinceSec, sinceMs, runRule, runSince] = [
    col(),
    col(),
    col(),
    col(),
    col(),
    col(),
    col(),
    col(),
    col(),
  ];
  const sparse = {
    episodeId: [] as [number, string][],
    missed: [] as [number, number][],
    exactSince: [] as [number, number][],
    exactRunSince: [] as [number, number][],
  };
  let anyMs = false;
  for (let row = 0; row < rows; row++) {
    const a = items[row] as AgentSnapshotItem;
    state[row] = dict.state.of(a.state);
    vendorState[row] = dict.vendorState.of(a.vendorState);
    reasonCode[row] = dict.reasonCode.optional(a.reasonCode);
    reason[row] = dict.reason.optional(a.reason);
    inferred[row] = a.inferred === undefined ? INFERRED.absent : a.inferred ? INFERRED.true : INFERRED.false;
    const back = splitBack(base, a.since);
    sinceSec[row] = back ? back.sec : 0;
    sinceMs[row] = back ? back.ms : 0;
    anyMs ||= sinceMs[row] !== 0;
    if (!back) sparse.exactSince.push([row, a.since]);
    runRule[row] = dict.runRule.optional(a.run?.ruleId);
    runSince[row] = encodeRunSince(a, row, sparse.exactRunSince);
    if (a.episodeId !== undefined) sparse.episodeId.push([row, a.episodeId]);
    if (a.missed !== undefined) sparse.missed.push([row, a.missed]);
  }
  return {
    format: FORMAT,
    rows,
    base,
    stateDict: dict.state.values,
    state,
    vendorStateDict: dict.vendorState.values,
    vendorState,
    reasonCodeDict: dict.reasonCode.values,
    reasonCode,
    reasonDict: dict.reason.values,
    reason,
    inferred,
    sinceSec,
    // whole-second times (tests, some vendors) need no millisecond column at all
    ...(anyMs ? { sinceMs } : {}),
    runRuleDict: dict.runRule.values,
    runRule,
    runSince,
    ...sparse,
  };
}

/** The latest time in the snapshot, rounded up to a whole second (0 when empty). */
function baseOf(items: readonly AgentSnapshotItem[]): number {
  let latest = -Infinity;
  for (const a of items) {
    if (!Number.isFinite(a.since) || (a.run && !Number.isFinite(a.run.since)))
      throw new AgentCodecError(`agent ${a.agentId}: since must be a finite number`);
    latest = Math.max(latest, a.since, a.run ? a.run.since : -Infinity);
  }
  return Number.isFinite(latest) ? Math.ceil(latest / 1000) * 1000 : 0;
}

/** The run's start as ms before the state's start (usually 0), or an exact exception. */
function encodeRunSince(a: AgentSnapshotItem, row: number, exact: [number, number][]): number {
  if (!a.run) return 0;
  const delta = a.since - a.run.since;
  if (Number.isSafeInteger(delta) && a.since - delta === a.run.since) return delta;
  exact.push([row, a.run.since]);
  return 0;
}

// ---- decoding ----------------------------------------------------------------------------------

/** A dictionary lookup the schema has already range-checked. */
const at = <T>(dict: readonly T[], i: number): T => dict[i] as T;

/**
 * The snapshot back from its parts (validate them with AGENT_PARTS first: load does). The two
 * parts must come from the same encode: a row count mismatch is an error, never a misalignment.
 */
export function decodeAgents(roster: RosterPart, states: StatesPart): AgentSnapshotItem[] {
  const rows = roster.agentId.length;
  if (states.rows !== rows) throw new AgentCodecError(`states.rows: ${states.rows} rows, but roster.agentId has ${rows}`);
  const episode = new Map(states.episodeId);
  const missed = new Map(states.missed);
  const exactSince = new Map(states.exactSince);
  const exactRunSince = new Map(states.exactRunSince);
  const groupLists = roster.groupSets.map((set) => set.map((g) => at(roster.groupDict, g)));
  const items: AgentSnapshotItem[] = new Array(rows);
  for (let row = 0; row < rows; row++) {
    const agentId = at(roster.agentId, row);
    const name = at(roster.name, row);
    const since = exactSince.get(row) ?? states.base - (at(states.sinceSec, row) * 1000 + (states.sinceMs ? at(states.sinceMs, row) : 0));
    const item: AgentSnapshotItem = {
      source: roster.source,
      agentId,
      name: name === 0 ? agentId : name,
      // a fresh array per agent: callers may edit one agent's groups
      groups: [...at(groupLists, at(roster.groups, row))],
      state: at(states.stateDict, at(states.state, row)),
      vendorState: at(states.vendorStateDict, at(states.vendorState, row)),
      since,
    };
    const reasonCode = at(states.reasonCode, row);
    if (reasonCode) item.reasonCode = at(states.reasonCodeDict, reasonCode - 1);
    const reason = at(states.reason, row);
    if (reason) item.reason = at(states.reasonDict, reason - 1);
    const inferred = at(states.inferred, row);
    if (inferred !== INFERRED.absent) item.inferred = inferred === INFERRED.true;
    const runRule = at(states.runRule, row);
    if (runRule)
      item.run = { ruleId: at(states.runRuleDict, runRule - 1), since: exactRunSince.get(row) ?? since - at(states.runSince, row) };
    const episodeId = episode.get(row);
    if (episodeId !== undefined) item.episodeId = episodeId;
    const m = missed.get(row);
    if (m !== undefined) item.missed = m;
    items[row] = item;
  }
  return items;
}
