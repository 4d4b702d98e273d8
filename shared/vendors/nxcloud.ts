import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { AgentState, NormalizedAgent } from '#shared/model/agent';
import { mapLimit } from '#shared/runtime/concurrency';
import { SourceError } from './errors';
import {
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
  /** Seconds of history each status/info query covers; match the poll interval. */
  windowSec: z.number().int().min(30).max(3600).default(60),
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
      return new SourceError(source, 'request', `${said}; request refused`, vc);
  }
}

const Envelope = z.object({
  code: LooseInt,
  msg: VendorText(TEXT_MAX.reason).nullish(),
  data: z.unknown(),
  total: LooseIntOrNull.optional(),
});

const AgentRecord = z.object({
  userName: z.string().min(1),
  nickName: VendorText(TEXT_MAX.name).nullish(),
  sipNumber: z.string().nullish(),
  queueName: z.array(VendorText(TEXT_MAX.group)).nullish(),
  /** [C] the account's enable flag (0 off, 1 on), not a live state */
  status: LooseIntOrNull.optional(),
});
type AgentRecord = z.infer<typeof AgentRecord>;

/** Seconds per state inside the queried window; unknown `*Duration` fields are rest kinds. */
const StatusInfo = z.record(z.string(), z.unknown()).transform((obj, ctx) => {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (!k.endsWith('Duration') || v == null) continue;
    const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    if (typeof n === 'number' && Number.isFinite(n) && n >= 0) out[k] = n;
    else ctx.addIssue({ code: 'custom', path: [k], message: `expected seconds (a number >= 0), got ${JSON.stringify(v)}` });
  }
  return out;
});

// built once: status/info is asked once per agent per tick (50,000 times for a large tenant)
const AgentPage = z.object({ data: z.array(AgentRecord), total: LooseInt });
const StatusAnswer = z.object({ data: StatusInfo });

const NON_REST: Record<string, AgentState> = {
  busyDuration: 'busy',
  callingDuration: 'busy',
  ringingDuration: 'busy',
  wrapupDuration: 'wrapup',
  idleDuration: 'idle',
};

/**
 * [I] NXCloud offers no live state, only seconds per state within a window. The state that
 * filled (nearly) the whole window is the state the agent was in throughout it; a window with
 * almost no time in any state means the agent was not signed in; anything else is a change
 * within the window and reported as "other" ("mixed") until the next window settles it.
 * Rest kinds (meeting, eating, wc, and any future `*Duration`) count as break.
 */
export function inferNxState(durations: Record<string, number>, windowSec: number): { state: AgentState; vendorState: string } {
  const entries = Object.entries(durations);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  if (total < windowSec * 0.1) return { state: 'offline', vendorState: 'none' };
  const [key, secs] = entries.reduce((best, e) => (e[1] > best[1] ? e : best));
  if (secs < windowSec * 0.8) return { state: 'other', vendorState: 'mixed' };
  return { state: NON_REST[key] ?? 'break', vendorState: key.replace(/Duration$/, '') };
}

export class NxClient implements AgentReader {
  readonly source: string;
  private readonly http: VendorHttp;

  constructor(
    private readonly cfg: NxSource,
    private readonly creds: NxCredentials,
    private readonly wallClock: () => number = Date.now,
    /** The PEM certificates of tls.caSecretId, trusted by this source's pool only. */
    caBundle?: readonly string[],
  ) {
    this.source = cfg.id;
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
      idOf: (a) => a.userName,
      fetchPage: async (page) => {
        const what = `agent/page page ${page}`;
        const env = await this.post(NX_AGENT_PAGE_PATH, { tenantId: this.cfg.tenantId, size: NX_PAGE_MAX, page }, what, signal);
        const parsed = parseResponse(this.source, what, AgentPage, env);
        return { items: parsed.data, total: parsed.total };
      },
    });
  }

  async statusInfo(userName: string, now: number, signal?: AbortSignal): Promise<Record<string, number>> {
    const what = `agent/status/info ${userName}`;
    const end = Math.floor(now / 1000);
    const env = await this.post(
      NX_AGENT_STATUS_PATH,
      { tenantId: this.cfg.tenantId, userName, startDateTime: end - this.cfg.windowSec, endDateTime: end },
      what,
      signal,
    );
    // data is one object for the agent; some gateways wrap it in a one-element list
    const data = Array.isArray(env.data) ? env.data[0] : env.data;
    return parseResponse(this.source, what, StatusAnswer, { data }).data;
  }

  async readAgents(now: number, signal?: AbortSignal, only?: (agentId: string) => boolean): Promise<AgentRead> {
    const enabled = (await this.listAgents(signal)).filter((a) => a.status === 1 && (!only || only(a.userName)));
    const agents = await mapLimit(enabled, this.cfg.http.concurrency, async (a): Promise<NormalizedAgent> => {
      const inferred = inferNxState(await this.statusInfo(a.userName, now, signal), this.cfg.windowSec);
      return {
        source: this.source,
        agentId: a.userName,
        name: a.nickName || a.userName,
        groups: a.queueName ?? [],
        ...inferred,
        // a state that filled the whole window began at least a window ago
        ...(inferred.state !== 'other' && inferred.state !== 'offline' ? { inStateAtLeastSec: this.cfg.windowSec } : {}),
        inferred: true,
        observedAt: now,
      };
    });
    // a complete list (of this shard): an agent it lacks is gone, not unreported
    return { agents, unreported: [] };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
