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
import { huaweiAuthorization, huaweiTimestamp } from './huawei-sign';
import type { Probe } from './probe';
import { SourceBaseSchema } from './source-base';
import type { AgentRead, AgentReader } from './types';

export const HUAWEI_STATUS_PATH = '/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids';
export const huaweiRestReasonsPath = (ccId: number, vdn: number) => `/rest/cmsapp/v1/openapi/agentgroup/restreasons/${ccId}/${vdn}`;
/** [C] at most 6000 agent ids per request. */
export const HUAWEI_CHUNK_MAX = 6000;
const AGENT_ID_MIN = 101;
const AGENT_ID_MAX = 59999;

// ---- config ----------------------------------------------------------------------------------

/** An agent id (101..59999) or an inclusive range "1001-1050". */
const AgentIdOrRange = z.union([
  z.number().int().min(AGENT_ID_MIN).max(AGENT_ID_MAX),
  z
    .string()
    .regex(/^\d+-\d+$/, 'expected an agent id or a range like "1001-1050"')
    .refine((s) => {
      const [a, b] = s.split('-').map(Number) as [number, number];
      return a >= AGENT_ID_MIN && b <= AGENT_ID_MAX && a <= b;
    }, `range must lie within ${AGENT_ID_MIN}-${AGENT_ID_MAX}, low end first`),
]);

export function expandAgentIds(list: ReadonlyArray<number | string>): number[] {
  const ids = new Set<number>();
  for (const item of list) {
    if (typeof item === 'number') ids.add(item);
    else {
      const [a, b] = item.split('-').map(Number) as [number, number];
      for (let id = a; id <= b; id++) ids.add(id);
    }
  }
  return [...ids].sort((x, y) => x - y);
}

export const HuaweiSourceSchema = SourceBaseSchema.extend({
  vendor: z.literal('huawei'),
  ccId: z.number().int().min(1).max(65535),
  vdn: z.number().int().min(1).max(5000),
  agentIds: z.array(AgentIdOrRange).min(1),
  /** Group name -> the agent ids in it (the status API carries no groups). */
  groups: z.record(z.string(), z.array(AgentIdOrRange)).default({}),
  /** [I] Headers covered by the signature; some deployments expect only `host`. */
  signedHeaders: z
    .array(z.enum(['host', 'content-type', 'content-length']))
    .min(1)
    .default(['content-length', 'content-type', 'host']),
  /** [I] Some deployments put milliseconds in the auth timestamp. */
  timestampMillis: z.boolean().default(false),
});
export type HuaweiSource = z.infer<typeof HuaweiSourceSchema>;

export const HuaweiCredentialsSchema = z.object({ ak: z.string().min(1), sk: z.string().min(1) });
export type HuaweiCredentials = z.infer<typeof HuaweiCredentialsSchema>;

// ---- mapping ----------------------------------------------------------------------------------

/** [C] 4294967295 (seconds), 4294967295000 (ms) and 65535 mean "none". */
export function huaweiValue(v: number | null | undefined): number | undefined {
  if (v == null || v === 4294967295 || v === 4294967295000 || v === 65535) return undefined;
  return v;
}

/**
 * [I] CTI agent state codes (cec_07_0697) to our states. 7 "showing busy" (not ready) counts as
 * busy; its raw code stays in vendorState so a rule can single it out.
 */
export function mapHuaweiState(code: number): AgentState {
  switch (code) {
    case 0:
      return 'offline';
    case 1:
      return 'idle';
    case 2:
    case 3:
    case 4:
    case 5:
    case 7:
      return 'busy';
    case 6:
    case 10:
      return 'wrapup';
    case 8:
    case 9:
      return 'break';
    default:
      return 'other';
  }
}

/**
 * An answer's records by agent id, for the ids asked for only: a record for an agent nobody asked
 * for (the vendor ignoring the filter, or a bad id) is dropped, so it can neither fire a rule nor
 * grow the stored state. Two records for one agent that disagree leave it unreported (ambiguous).
 */
export function recordsById(records: readonly StatusRecord[], asked: readonly number[]) {
  const wanted = new Set(asked);
  const byId = new Map<number, StatusRecord>();
  const ambiguous = new Set<number>();
  for (const r of records) {
    if (!wanted.has(r.agentId) || ambiguous.has(r.agentId)) continue;
    const seen = byId.get(r.agentId);
    if (!seen) byId.set(r.agentId, r);
    else if (
      seen.currentState !== r.currentState ||
      seen.currentStateTime !== r.currentStateTime ||
      seen.currentStateReason !== r.currentStateReason
    ) {
      byId.delete(r.agentId);
      ambiguous.add(r.agentId);
    }
  }
  return { byId, ambiguous };
}

/** [C] result codes (cec_07_0696). */
export function huaweiError(source: string, code: string, what: string): SourceError {
  switch (code) {
    case '0100001':
      return new SourceError(source, 'transient', `${what}: the CC-CMS call to the CTI failed`, code);
    case '0100002':
      return new SourceError(source, 'request', `${what}: invalid parameter (check ccId, vdn and agentIds)`, code);
    case '0100003':
      return new SourceError(source, 'config', `${what}: the platform needs CTI V3R8 or later for this interface`, code);
    case '0101003':
      return new SourceError(source, 'auth', `${what}: insufficient permission for this AK`, code);
    case '0100999':
      return new SourceError(source, 'transient', `${what}: unknown platform error`, code);
    default:
      return new SourceError(source, 'request', `${what}: unexpected result code`, code);
  }
}

// ---- response schemas ---------------------------------------------------------------------------

const StatusEnvelope = z.object({
  result: z.union([z.string(), z.number()]).transform(String).optional(),
  resultCode: z.string().optional(),
  resultDatas: z.unknown().optional(),
  // an array on success, a message string on failure
  resultDesc: z.unknown().optional(),
});

const StatusRecord = z.object({
  agentId: LooseInt,
  currentState: LooseInt,
  currentStateTime: LooseIntOrNull.optional(),
  currentStateReason: LooseIntOrNull.optional(),
  prevState: LooseIntOrNull.optional(),
  logonTime: LooseIntOrNull.optional(),
});
type StatusRecord = z.infer<typeof StatusRecord>;

/** The records, under whichever field carried them (built once, not per request). */
const StatusRecords = {
  resultDesc: z.object({ resultDesc: z.array(StatusRecord) }),
  resultDatas: z.object({ resultDatas: z.array(StatusRecord) }),
} as const;

const RestReason = z.object({ restReasonId: LooseInt, restReason: VendorText(TEXT_MAX.reason) });

/** Rest-reason names are kept this long once read. */
const REST_REASON_TTL_MS = 60 * 60 * 1000;
/**
 * The names lookup's whole limit, attempts and backoff included (at most http.deadlineMs): the
 * names are optional, so they may cost the read this much time and no more.
 */
const REST_REASON_LOOKUP_MS = 5_000;
/** After a failed lookup, runs go on with codes (or the names last read) this long before asking again. */
const REST_REASON_RETRY_MS = 10 * 60 * 1000;

export class HuaweiClient implements AgentReader {
  readonly source: string;
  private readonly http: VendorHttp;
  private readonly host: string;
  private readonly groupsOf = new Map<number, string[]>();
  private restReasons?: { until: number; names: Map<number, string> };

  constructor(
    private readonly cfg: HuaweiSource,
    private readonly creds: HuaweiCredentials,
    private readonly wallClock: () => number = Date.now,
    /** The PEM certificates of tls.caSecretId, trusted by this source's pool only. */
    caBundle?: readonly string[],
  ) {
    this.source = cfg.id;
    this.http = new VendorHttp(cfg.id, cfg.baseUrl, cfg.http, caBundle);
    const url = new URL(cfg.baseUrl);
    // Sent exactly as signed: ip:port, with the port even when it is the scheme's default.
    this.host = url.port ? url.host : `${url.hostname}:${url.protocol === 'https:' ? 443 : 80}`;
    for (const [group, ids] of Object.entries(cfg.groups)) {
      for (const id of expandAgentIds(ids)) this.groupsOf.set(id, [...(this.groupsOf.get(id) ?? []), group]);
    }
  }

  private request<T>(
    method: 'GET' | 'POST',
    path: string,
    body: string,
    what: string,
    interpret: (json: unknown) => T,
    signal?: AbortSignal,
  ): Promise<T> {
    return this.http.send(
      () => this.signed(method, path, body),
      (res: RawResponse) => interpret(parseJsonBody(this.source, what, res.text)),
      signal,
    );
  }

  /** A signed request: a fresh timestamp and signature on every call (so on every attempt). */
  private signed(method: 'GET' | 'POST', path: string, body: string): OutgoingRequest {
    const all: Record<string, string> = { host: this.host, 'content-type': 'application/json;charset=UTF-8' };
    if (body) all['content-length'] = String(Buffer.byteLength(body));
    const signed = Object.fromEntries(Object.entries(all).filter(([k]) => (this.cfg.signedHeaders as string[]).includes(k)));
    const authorization = huaweiAuthorization({
      ak: this.creds.ak,
      sk: this.creds.sk,
      timestamp: huaweiTimestamp(this.wallClock(), this.cfg.timestampMillis),
      method,
      path,
      headers: signed,
      body,
    });
    return { method, path, headers: { ...all, authorization }, ...(body ? { body } : {}) };
  }

  /** The status records of an answer; the vendor's error when its result code is not success. */
  private statusRecords(what: string, json: unknown): StatusRecord[] {
    const env = parseResponse(this.source, what, StatusEnvelope, json);
    // [C] every answer carries resultCode: one with neither code is not the interface's (a gateway's
    // own error page, say), so it names what it lacks and what it said, and is not a parameter error
    if (env.resultCode === undefined && env.result === undefined)
      throw new SourceError(
        this.source,
        'schema',
        `${what}: resultCode: missing, the answer is not the status interface's (it said: ${cleanVendorText((JSON.stringify(json) ?? '').slice(0, 4 * TEXT_MAX.reason), TEXT_MAX.reason)})`,
      );
    const ok = env.resultCode !== undefined ? env.resultCode === '0100000' : env.result === '0';
    if (!ok)
      throw huaweiError(
        this.source,
        env.resultCode ?? env.result ?? '?',
        `${what}: ${typeof env.resultDesc === 'string' ? cleanVendorText(env.resultDesc, TEXT_MAX.reason) : 'failed'}`,
      );
    // The same records come in resultDesc (current) and resultDatas (legacy); either will do.
    const [field, records] = Array.isArray(env.resultDesc)
      ? (['resultDesc', env.resultDesc] as const)
      : (['resultDatas', env.resultDatas] as const);
    const parsed = parseResponse(this.source, what, StatusRecords[field], { [field]: records }) as Record<typeof field, StatusRecord[]>;
    return parsed[field];
  }

  /**
   * `ccwatch verify`: the status of the first configured agent, one id (the API has no total, and
   * its ping is not part of the documented contract). A success also proves ccId and vdn.
   */
  probe(_now: number): Probe {
    const what = 'agentstatusinfobyagentids (verify)';
    const first = this.cfg.agentIds[0]!;
    const id = typeof first === 'number' ? first : Number(first.split('-')[0]);
    const body = JSON.stringify({ ccId: this.cfg.ccId, vdn: this.cfg.vdn, agentIds: [id] });
    return {
      request: this.signed('POST', HUAWEI_STATUS_PATH, body),
      read: (res) => {
        this.statusRecords(what, parseJsonBody(this.source, what, res.text));
        return {};
      },
    };
  }

  private async readChunk(ids: number[], index: number, signal?: AbortSignal): Promise<StatusRecord[]> {
    const what = `agentstatusinfobyagentids chunk ${index + 1}`;
    const body = JSON.stringify({ ccId: this.cfg.ccId, vdn: this.cfg.vdn, agentIds: ids });
    return this.request('POST', HUAWEI_STATUS_PATH, body, what, (json) => this.statusRecords(what, json), signal);
  }

  /**
   * Rest-reason names, cached for an hour. Never rejects: a lookup that fails or outlasts its own
   * short limit costs only the names (reasons show as codes; rules match codes), and is not tried
   * again for a while, so a broken endpoint does not slow every run.
   */
  private async reasonNames(now: number, signal?: AbortSignal): Promise<Map<number, string>> {
    if (this.restReasons && now < this.restReasons.until) return this.restReasons.names;
    const what = 'restreasons';
    const limit = AbortSignal.timeout(Math.min(this.cfg.http.deadlineMs, REST_REASON_LOOKUP_MS));
    try {
      const names = await this.request(
        'GET',
        huaweiRestReasonsPath(this.cfg.ccId, this.cfg.vdn),
        '',
        what,
        (json) => {
          const list = Array.isArray(json)
            ? json
            : ((json as { resultDesc?: unknown; resultDatas?: unknown } | null)?.resultDesc ??
              (json as { resultDatas?: unknown } | null)?.resultDatas);
          return parseResponse(this.source, what, z.array(RestReason), list);
        },
        signal ? AbortSignal.any([signal, limit]) : limit,
      );
      this.restReasons = { until: now + REST_REASON_TTL_MS, names: new Map(names.map((r) => [r.restReasonId, r.restReason])) };
    } catch {
      // an aborted run says nothing about the endpoint: ask again next run
      if (!signal?.aborted) this.restReasons = { until: now + REST_REASON_RETRY_MS, names: this.restReasons?.names ?? new Map() };
    }
    return this.restReasons?.names ?? new Map();
  }

  /**
   * The configured agents by id. The vendor may leave requested ids out of its answer; they are
   * returned in `unreported`, never silently taken for agents that went away.
   */
  async readAgents(now: number, signal?: AbortSignal): Promise<AgentRead> {
    const ids = expandAgentIds(this.cfg.agentIds);
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += HUAWEI_CHUNK_MAX) chunks.push(ids.slice(i, i + HUAWEI_CHUNK_MAX));
    const [results, names] = await Promise.all([
      mapLimit(chunks, this.cfg.http.concurrency, (c, i) => this.readChunk(c, i, signal)),
      this.reasonNames(now, signal),
    ]);
    const { byId, ambiguous } = recordsById(results.flat(), ids);
    // [C] an agent signed out still comes back (state 0, logonTime in 2106): an answer naming none of
    // the agents asked for is a vendor in trouble (or the wrong ccId/vdn), never a floor gone at once
    if (byId.size === 0 && ambiguous.size === 0 && ids.length > 0)
      throw new SourceError(
        this.source,
        'incomplete',
        `agentstatusinfobyagentids: the vendor answered with none of the ${ids.length} agents asked for (a signed-out agent comes back in state 0); if this lasts, check ccId, vdn and agentIds`,
      );
    const unreported = ids.filter((id) => !byId.has(id)).map(String);
    const agents = [...byId.values()].map((r): NormalizedAgent => {
      const state = mapHuaweiState(r.currentState);
      const reasonCode = huaweiValue(r.currentStateReason);
      const inState = huaweiValue(r.currentStateTime);
      const reasonName = reasonCode ? names.get(reasonCode) : undefined;
      return {
        source: this.source,
        agentId: String(r.agentId),
        name: String(r.agentId),
        groups: this.groupsOf.get(r.agentId) ?? [],
        state,
        vendorState: String(r.currentState),
        // [C] the reason only means something in the rest state (8)
        ...(r.currentState === 8 && reasonCode
          ? { reasonCode: String(reasonCode), reason: reasonName ? `${reasonName} (${reasonCode})` : String(reasonCode) }
          : {}),
        ...(inState !== undefined ? { inStateForSec: inState } : {}),
        observedAt: now,
      };
    });
    return { agents, unreported };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
