import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { AgentState, NormalizedAgent } from '#shared/model/agent';
import { mapLimit } from '#shared/runtime/concurrency';
import { SourceError } from './errors';
import {
  cleanVendorText,
  LooseInt,
  LooseIntOrNull,
  type OutgoingRequest,
  parseJsonBody,
  parseResponse,
  type RawResponse,
  TEXT_MAX,
  VendorHttp,
  VendorText,
} from './http';
import { readAllPages } from './paging';
import type { Probe } from './probe';
import { SourceBaseSchema } from './source-base';
import type { AgentRead, AgentReader } from './types';

export const NX_AGENT_PAGE_PATH = '/saas/cc/openapi/agent/page';
export const NX_AGENT_STATUS_PATH = '/saas/cc/openapi/agent/status/info';
/** [C] agent/page size at most 200. */
export const NX_PAGE_MAX = 200;

export const NxSourceSchema = SourceBaseSchema.extend({
  vendor: z.literal('nxcloud'),
  tenantId: z.number().int().positive(),
  /** Seconds of history each status/info query covers; default: the poll interval (schedule.every, filled in by parseConfig). */
  windowSec: z.number().int().min(30).max(3600).optional(),
  /**
   * Workers the tenant's agents are split across (by a hash of the agent id), each reading and
   * storing its share in a source stage of its own: one status request per agent makes a large
   * tenant CPU- and time-bound in one worker (docs/architecture.md, "Shards").
   */
  shards: z.number().int().min(1).max(64).default(1),
});
export type NxSource = z.infer<typeof NxSourceSchema>;

export const NxCredentialsSchema = z.object({ accessKey: z.string().min(1), accessSecret: z.string().min(1) });
export type NxCredentials = z.infer<typeof NxCredentialsSchema>;

/**
 * [C] sign = lower hex MD5 of `accessKey=..&action=..&bizType=..&ts=..`, then `&body=` + the exact
 * JSON text sent (left out when there is no body), then `&accessSecret=` + secret.
 */
export function nxSign(p: { accessKey: string; action: string; bizType: string; ts: string; body?: string; accessSecret: string }): string {
  const text = `accessKey=${p.accessKey}&action=${p.action}&bizType=${p.bizType}&ts=${p.ts}${p.body ? `&body=${p.body}` : ''}&accessSecret=${p.accessSecret}`;
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** [C] NX codes -> what the operator must do. */
export function nxError(source: string, code: number, msg: string | null | undefined, what: string): SourceError {
  const said = `${what}: vendor said "${msg ?? ''}"`;
  const vc = String(code);
  switch (code) {
    case 88:
    case 99:
      return new SourceError(source, 'transient', `${said}; vendor request failure / system error`, vc);
    case 1001:
      return new SourceError(source, 'auth', `${said}; missing authentication header or authorization failed`, vc);
    case 1002:
      return new SourceError(source, 'config', `${said}; wrong bizType/action or body`, vc);
    case 1003:
      return new SourceError(source, 'auth', `${said}; sign rejected (accessKey/accessSecret)`, vc);
    case 1004:
      return new SourceError(source, 'clock', `${said}; ts expired or not in milliseconds`, vc);
    case 1005:
      return new SourceError(source, 'auth', `${said}; no permission for this tenant`, vc);
    default:
      // [C] "1000~100X Authentication failed": the codes of that range not named above (1000, 1006..1009)
      if (code >= 1000 && code <= 1009) return new SourceError(source, 'auth', `${said}; authentication failed`, vc);
      return new SourceError(source, 'request', `${said}; request refused`, vc);
  }
}

const Envelope = z.object({
  code: LooseInt,
  msg: VendorText(TEXT_MAX.reason).nullish(),
  data: z.unknown(),
  total: LooseIntOrNull.optional(),
});

/** Longer than any email address (254) or login. */
const NX_USERNAME_MAX = 320;

const AgentRecord = z.object({
  // the agent's login (an email, say), sent back as is to status/info; refused past any real
  // address's length. Its id and name are cleaned copies (`shown`)
  userName: z.string().min(1).max(NX_USERNAME_MAX),
  nickName: VendorText(TEXT_MAX.name).nullish(),
  sipNumber: z.string().max(NX_USERNAME_MAX).nullish(),
  queueName: z.array(VendorText(TEXT_MAX.group)).nullish(),
  /**
   * [C] the account's enable flag (0 off, 1 on), not a live state. Only 0 turns an agent out: a
   * record without it still names an account, and dropping that agent would end its alerts.
   */
  status: LooseIntOrNull.optional(),
});
type AgentRecord = z.infer<typeof AgentRecord>;

/**
 * [C] The durations status/info documents (NXCC API agentStatus), seconds per state inside the
 * window, and our state for each; its rest kinds ("Rest - Meeting / Eating / WC") are break, and
 * "more rest kinds may follow" (../shared/vendors.md): any other numeric `*Duration` is one of
 * those, so break too (stateOfDuration).
 */
export const NX_DURATION_STATES: ReadonlyMap<string, AgentState> = new Map<string, AgentState>([
  ['busyDuration', 'busy'],
  ['callingDuration', 'busy'],
  ['ringingDuration', 'busy'],
  ['wrapupDuration', 'wrapup'],
  ['idleDuration', 'idle'],
  ['meetingDuration', 'break'],
  ['eatingDuration', 'break'],
  ['wcDuration', 'break'],
]);

/** Our state for a `*Duration` field: a documented one's, else break (a rest kind added later); undefined for other fields. */
export function stateOfDuration(key: string): AgentState | undefined {
  return NX_DURATION_STATES.get(key) ?? (/^[a-z][A-Za-z]*Duration$/.test(key) ? 'break' : undefined);
}

/** One status/info record: its durations, and the SIP account it names, if any. */
const StatusRecord = z.record(z.string(), z.unknown()).transform((obj, ctx) => {
  const durations: Record<string, number> = {};
  for (const [key, v] of Object.entries(obj)) {
    if (v == null || !stateOfDuration(key)) continue;
    const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    if (typeof n === 'number' && Number.isFinite(n) && n >= 0) durations[key] = n;
    // a documented duration must be seconds; a later rest kind in another shape is left out
    else if (NX_DURATION_STATES.has(key))
      ctx.addIssue({ code: 'custom', path: [key], message: `expected seconds (a number >= 0), got ${JSON.stringify(v)}` });
  }
  const sip = obj.sipNumber;
  return { sipNumber: typeof sip === 'string' || typeof sip === 'number' ? String(sip) : undefined, durations };
});
export type NxStatusRecord = z.infer<typeof StatusRecord>;

// built once: status/info is asked once per agent per tick (50,000 times for a large tenant)
const AgentPage = z.object({ data: z.array(AgentRecord), total: LooseInt });
const StatusAnswer = z.object({ data: StatusRecord });

/** Share of the reported time one state must pass to be the state: a majority. */
const NX_MAJORITY = 0.5;
/** Share of the window the reported time must cover for the window to tell anything. */
const NX_REPORTED = 0.5;

/**
 * [I] NXCloud offers no live state, only seconds per state within a window. Durations are added
 * up by our state (eating then wc is one break; ringing then calling one busy). The state that
 * filled most of the reported time is the state (its largest field names the vendor state), taken
 * to have begun as long ago as it lasted in the window: a change inside the window shows at once, and a switch between
 * two states one rule covers (calling, then wrap-up) never passes through a state that would end
 * the rule's episode. A window with no majority (an even or three-way split) is "other"
 * ("mixed") until the next window settles it. Undefined (unknown: the agent is unreported) when:
 * - the reported time covers less than NX_REPORTED of the window: nothing documented says "not
 *   signed in" (no login or online time; `enableStatusLog` is undocumented), and statistics not
 *   yet written look the same, so an empty window is no proof of offline. Judging by the time
 *   reported (not the whole window) lets statistics that lag by seconds still tell the state;
 * - the durations add up to more than the window (beyond a second of rounding per state and one
 *   for an inclusive end): the vendor did not clip them to it, so they cannot tell which state
 *   filled it. Refused rather than clipped: clipping would pick a state the agent left in the
 *   window (a long idle spell clipped to 60 s beats the 50 s of break that followed it).
 */
export function inferNxState(
  durations: Readonly<Record<string, number>>,
  windowSec: number,
): { state: AgentState; vendorState: string; secs: number } | undefined {
  let total = 0;
  let fields = 0;
  const byState = new Map<AgentState, { secs: number; key: string; keySecs: number }>();
  for (const [key, secs] of Object.entries(durations)) {
    const state = stateOfDuration(key);
    if (!state || !(secs > 0)) continue;
    total += secs;
    fields++;
    const s = byState.get(state) ?? { secs: 0, key, keySecs: 0 };
    s.secs += secs;
    if (secs > s.keySecs) Object.assign(s, { key, keySecs: secs });
    byState.set(state, s);
  }
  if (!byState.size || total > windowSec + fields + 1 || total < windowSec * NX_REPORTED) return undefined;
  const [state, best] = [...byState].reduce((a, b) => (b[1].secs > a[1].secs ? b : a));
  if (best.secs <= total * NX_MAJORITY) return { state: 'other', vendorState: 'mixed', secs: 0 };
  // the seconds the state lasted in the window, at most the window
  return { state, vendorState: best.key.replace(/Duration$/, ''), secs: Math.min(windowSec, Math.round(best.secs)) };
}

/**
 * Vendor text as an id or name shows it: no line breaks, controls or bidi overrides reach a message
 * (an ordinary login is unchanged). Requests still name the account as the vendor sent it.
 */
function shown(text: string): string {
  return cleanVendorText(text, NX_USERNAME_MAX);
}

/** [C] An account switched off (status 0); a record without the flag is taken as on, as ITNIO's `enable`. */
function isDisabled(a: AgentRecord): boolean {
  return a.status === 0;
}

/**
 * [I] Agent ids. [C] sipNumber is unique; userName is not said to be (the vendor's own example
 * has two accounts with one userName). An agent keeps its userName as id, as stored snapshots,
 * rules and silences name it, unless another listed account that is not switched off shares that
 * userName: then both are `userName#sipNumber`.
 */
export function nxAgentIds(records: readonly AgentRecord[]): { idOf: Map<AgentRecord, string>; shared: Set<string> } {
  // a disabled account is not watched: its userName does not make a watched agent's id change
  const count = new Map<string, number>();
  for (const r of records) if (!isDisabled(r)) count.set(r.userName, (count.get(r.userName) ?? 0) + 1);
  const shared = new Set([...count].filter(([, n]) => n > 1).map(([u]) => u));
  const idOf = new Map(
    records.map((r) => [r, shared.has(r.userName) && r.sipNumber ? `${shown(r.userName)}#${shown(r.sipNumber)}` : shown(r.userName)]),
  );
  return { idOf, shared };
}

/**
 * [I] This agent's status record: the one naming its SIP account; else the only record, when it
 * names no other SIP account and no other agent shares the userName it was asked by (status/info
 * is asked by userName alone). None (unknown) otherwise.
 */
export function nxRecordOf(
  records: readonly NxStatusRecord[],
  sipNumber: string | null | undefined,
  shared: boolean,
): NxStatusRecord | undefined {
  const mine = sipNumber ? records.filter((r) => r.sipNumber === sipNumber) : [];
  if (mine.length === 1) return mine[0];
  const only = records.length === 1 ? records[0] : undefined;
  return only && !shared && (!only.sipNumber || !sipNumber) ? only : undefined;
}

/** The status window of a source built without parseConfig (which makes it the poll interval). */
export const NX_WINDOW_SEC = 60;

export class NxClient implements AgentReader {
  readonly source: string;
  private readonly http: VendorHttp;
  private readonly windowSec: number;

  constructor(
    private readonly cfg: NxSource,
    private readonly creds: NxCredentials,
    private readonly wallClock: () => number = Date.now,
    /** The PEM certificates of tls.caSecretId, trusted by this source's pool only. */
    caBundle?: readonly string[],
  ) {
    this.source = cfg.id;
    this.windowSec = cfg.windowSec ?? NX_WINDOW_SEC;
    this.http = new VendorHttp(cfg.id, cfg.baseUrl, cfg.http, caBundle);
  }

  private post(path: string, body: unknown, what: string, signal?: AbortSignal): Promise<{ data: unknown; total?: number | null }> {
    const text = JSON.stringify(body);
    return this.http.send(
      () => this.signedPost(path, text),
      (res: RawResponse) => this.unwrap(what, res),
      signal,
    );
  }

  /** A signed POST of `text`: a fresh ts and sign on every call (so on every attempt). */
  private signedPost(path: string, text: string): OutgoingRequest {
    const ts = String(this.wallClock());
    const sign = nxSign({
      accessKey: this.creds.accessKey,
      action: 'cc',
      bizType: '8',
      ts,
      body: text,
      accessSecret: this.creds.accessSecret,
    });
    return {
      method: 'POST',
      path,
      body: text,
      headers: { 'content-type': 'application/json', accessKey: this.creds.accessKey, ts, bizType: '8', action: 'cc', sign },
    };
  }

  /** The envelope's data and total once code is 0; the vendor's error otherwise. */
  private unwrap(what: string, res: RawResponse): { data: unknown; total?: number | null } {
    const env = parseResponse(this.source, what, Envelope, parseJsonBody(this.source, what, res.text));
    if (env.code !== 0) throw nxError(this.source, env.code, env.msg, what);
    return { data: env.data, total: env.total };
  }

  /** `ccwatch verify`: the first agent page of size 1; its total counts the tenant's agent accounts. */
  probe(_now: number): Probe {
    const what = 'agent/page (verify)';
    return {
      request: this.signedPost(NX_AGENT_PAGE_PATH, JSON.stringify({ tenantId: this.cfg.tenantId, size: 1, page: 1 })),
      read: (res) => ({ agents: parseResponse(this.source, what, AgentPage, this.unwrap(what, res)).total }),
    };
  }

  async listAgents(signal?: AbortSignal): Promise<AgentRecord[]> {
    return readAllPages<AgentRecord>({
      source: this.source,
      what: 'agent/page',
      pageSize: NX_PAGE_MAX,
      concurrency: this.cfg.http.concurrency,
      maxPages: this.cfg.http.maxPages,
      signal,
      // a record is its (userName, sipNumber): neither alone is documented as unique in a listing
      idOf: (a) => `${a.userName}\u0000${a.sipNumber ?? ''}`,
      fetchPage: async (page) => {
        const what = `agent/page page ${page}`;
        const env = await this.post(NX_AGENT_PAGE_PATH, { tenantId: this.cfg.tenantId, size: NX_PAGE_MAX, page }, what, signal);
        const parsed = parseResponse(this.source, what, AgentPage, env);
        return { items: parsed.data, total: parsed.total };
      },
    });
  }

  /** The status records of one account name: none when the vendor has none (data null, [] or [null]). */
  async statusInfo(userName: string, now: number, signal?: AbortSignal): Promise<NxStatusRecord[]> {
    const what = `agent/status/info ${userName}`;
    const end = Math.floor(now / 1000);
    const env = await this.post(
      NX_AGENT_STATUS_PATH,
      { tenantId: this.cfg.tenantId, userName, startDateTime: end - this.windowSec, endDateTime: end },
      what,
      signal,
    );
    // data is one object for the agent; some gateways wrap it in a list
    const list = env.data == null ? [] : Array.isArray(env.data) ? env.data.filter((d) => d != null) : [env.data];
    return list.map((d) => parseResponse(this.source, what, StatusAnswer, { data: d }).data);
  }

  /**
   * The enabled agents (of this shard). One whose state the vendor's answer cannot tell (no
   * record, no time reported, an ambiguous record) is `unreported`, not given a state: its
   * snapshot stands, and the others are read as usual. An agent the listing lacks is gone.
   */
  async readAgents(now: number, signal?: AbortSignal, only?: (agentId: string) => boolean): Promise<AgentRead> {
    const listed = await this.listAgents(signal);
    const { idOf, shared } = nxAgentIds(listed);
    // status/info is asked by userName: once per name, whoever shares it
    const byName = new Map<string, { a: AgentRecord; id: string }[]>();
    for (const a of listed) {
      const id = idOf.get(a) as string;
      if (isDisabled(a) || (only && !only(id))) continue;
      const members = byName.get(a.userName);
      if (members) members.push({ a, id });
      else byName.set(a.userName, [{ a, id }]);
    }
    const read = await mapLimit([...byName], this.cfg.http.concurrency, async ([userName, members]) => {
      const records = await this.statusInfo(userName, now, signal);
      return members.map(({ a, id }) => {
        const record = nxRecordOf(records, a.sipNumber, shared.has(userName));
        return { a, id, inferred: record && inferNxState(record.durations, this.windowSec) };
      });
    });
    const agents: NormalizedAgent[] = [];
    const unreported: string[] = [];
    for (const { a, id, inferred } of read.flat()) {
      if (!inferred) {
        unreported.push(id);
        continue;
      }
      agents.push({
        source: this.source,
        agentId: id,
        // an unshared id is the shown userName already: cleaned once per agent, not twice
        name: a.nickName || (shared.has(a.userName) ? shown(a.userName) : id),
        groups: a.queueName ?? [],
        state: inferred.state,
        vendorState: inferred.vendorState,
        // a new state began at least as long ago as the window says it lasted
        ...(inferred.state !== 'other' ? { inStateAtLeastSec: inferred.secs } : {}),
        inferred: true,
        observedAt: now,
      });
    }
    return { agents, unreported };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
