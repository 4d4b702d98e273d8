import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { AgentState, NormalizedAgent } from '#shared/model/agent';
import { maskPhone } from '#shared/model/phone';
import type { TaskContact } from '#shared/model/task';
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

// ---- config and credentials ------------------------------------------------------------------

export const ItnioSourceSchema = SourceBaseSchema.extend({
  vendor: z.literal('itnio'),
  /** Optional server-side filters of /v3/cc/seat/query. */
  voiceGroupId: z.number().int().optional(),
});
export type ItnioSource = z.infer<typeof ItnioSourceSchema>;

export const ItnioCredentialsSchema = z.object({ apiKey: z.string().min(1), apiSecret: z.string().min(1) });
export type ItnioCredentials = z.infer<typeof ItnioCredentialsSchema>;

// ---- signing ---------------------------------------------------------------------------------

/** [C] Sign = hex MD5 of apiKey + apiSecret + timestamp (Unix seconds). */
export function itnioSign(apiKey: string, apiSecret: string, timestamp: string): string {
  return createHash('md5')
    .update(apiKey + apiSecret + timestamp)
    .digest('hex');
}

/** [C] `size` is 1..100: the page size asked for, and the most a page may carry whatever the answer says. */
export const ITNIO_PAGE_MAX = 100;

// ---- response schemas (unknown fields, passwords included, are dropped by z.object) ----------

const Envelope = z.object({
  status: z.union([z.string(), z.number()]).transform(String),
  reason: VendorText(TEXT_MAX.reason).nullish(),
  data: z.unknown(),
});

const PageData = <T extends z.ZodType>(record: T) =>
  z.object({
    total: LooseInt,
    size: LooseInt.optional(),
    current: LooseInt.optional(),
    pages: LooseInt.optional(),
    records: z.array(record),
  });

const SeatRecord = z.object({
  keyId: LooseInt,
  name: VendorText(TEXT_MAX.name).nullish(),
  petName: VendorText(TEXT_MAX.name).nullish(),
  account: VendorText(TEXT_MAX.name).nullish(),
  enable: LooseIntOrNull.optional(),
  deleteFlag: LooseIntOrNull.optional(),
  voiceGroupId: LooseIntOrNull.optional(),
  groupName: VendorText(TEXT_MAX.group).nullish(),
  status: LooseInt,
});
type SeatRecord = z.infer<typeof SeatRecord>;

const TaskContactRecord = z.object({
  keyId: LooseInt,
  called: z.string().nullish(),
  encryptCalled: z.string().nullish(),
  // documented as Long, carries a name
  seatName: z.union([VendorText(TEXT_MAX.name), z.number()]).nullish(),
  errorReason: VendorText(TEXT_MAX.reason).nullish(),
  status: LooseInt,
});

const PreviewTaskRecord = z.object({
  taskId: LooseInt,
  taskName: VendorText(TEXT_MAX.name).nullish(),
  taskStatus: LooseIntOrNull.optional(),
  finishFlag: LooseIntOrNull.optional(),
  totalCount: LooseIntOrNull.optional(),
  remainCount: LooseIntOrNull.optional(),
});
export type PreviewTask = z.infer<typeof PreviewTaskRecord>;

// page schemas built once, not per request
const SeatPage = PageData(SeatRecord);
const TaskContactPage = PageData(TaskContactRecord);
const PreviewTaskPage = PageData(PreviewTaskRecord);

// ---- vendor codes ----------------------------------------------------------------------------

/**
 * [C] ITNIO envelope status codes (seeds 000 and 002) -> what the operator must do. Only a parameter
 * code is `request`: preview-tasks reads a `request` error on a task as "the vendor rejects this task
 * id" (a config alert), so a cap or a server fault must never be one.
 */
export function itnioError(source: string, status: string, reason: string | null | undefined, what: string): SourceError {
  const said = `${what}: vendor said "${reason ?? ''}"`;
  switch (status) {
    case '-1':
      return new SourceError(source, 'auth', `${said}; Api-Key or Sign rejected`, status);
    case '-2':
      return new SourceError(source, 'config', `${said}; this caller's IP address is not on the vendor allow-list`, status);
    case '-13':
      return new SourceError(source, 'auth', `${said}; the user account is locked`, status);
    case '-16':
      return new SourceError(source, 'clock', `${said}; timestamp expired`, status);
    case '-18': // "Port program unusual": the vendor's own fault
      return new SourceError(source, 'transient', `${said}; vendor system error`, status);
    case '-23': // "Data caps": a usage cap that lifts with time, not a fault in the request
      return new SourceError(source, 'transient', `${said}; vendor data cap reached, read again later`, status);
    case '-22': // "Parameter exception"
      return new SourceError(source, 'request', `${said}; parameter rejected`, status);
    case '-35': // the query window is over 32 days
      return new SourceError(source, 'request', `${said}; query window over 32 days`, status);
    default:
      // -20 "Data existing" answers a create, never a read; an undocumented code may mean anything.
      // Neither says our parameters are wrong: outside the contract, the source counts as down.
      return new SourceError(source, 'schema', `${said}; status ${status} is not a documented answer to a read`, status);
  }
}

/** [C] seat status 1 offline, 2 idle, 3 busy, 4 post-talk, 5 break. */
export function mapItnioStatus(code: number): AgentState {
  switch (code) {
    case 1:
      return 'offline';
    case 2:
      return 'idle';
    case 3:
      return 'busy';
    case 4:
      return 'wrapup';
    case 5:
      return 'break';
    default:
      return 'other';
  }
}

/**
 * [I] A white-label copy of the seat-query page lists strTime/endTime (≤ 32 days apart) as
 * required. We send today's window in the source timezone; servers that do not need it ignore it.
 */
export function itnioStatsWindow(now: number, timezone: string): { strTime: string; endTime: string } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  return { strTime: `${parts} 00:00:00`, endTime: `${parts} 23:59:59` };
}

// ---- the client -------------------------------------------------------------------------------

export class ItnioClient implements AgentReader {
  readonly source: string;
  private readonly http: VendorHttp;

  constructor(
    private readonly cfg: ItnioSource,
    private readonly creds: ItnioCredentials,
    private readonly wallClock: () => number = Date.now,
    /** The PEM certificates of tls.caSecretId, trusted by this source's pool only. */
    caBundle?: readonly string[],
  ) {
    this.source = cfg.id;
    this.http = new VendorHttp(cfg.id, cfg.baseUrl, cfg.http, caBundle);
  }

  /** A signed POST of `text`: a fresh timestamp and signature on every call (so on every attempt). */
  private signedPost(path: string, text: string): OutgoingRequest {
    const timestamp = String(Math.floor(this.wallClock() / 1000));
    return {
      method: 'POST',
      path,
      body: text,
      headers: {
        'content-type': 'application/json;charset=UTF-8',
        'Api-Key': this.creds.apiKey,
        Timestamp: timestamp,
        Sign: itnioSign(this.creds.apiKey, this.creds.apiSecret, timestamp),
      },
    };
  }

  /** The envelope's data once status is 0; the vendor's error otherwise. */
  private unwrap(what: string, res: RawResponse): unknown {
    const env = parseResponse(this.source, what, Envelope, parseJsonBody(this.source, what, res.text));
    if (env.status !== '0') throw itnioError(this.source, env.status, env.reason, what);
    return env.data;
  }

  /** POST with a fresh signature per attempt; returns the envelope's data once status is 0. */
  private post(path: string, body: unknown, what: string, signal?: AbortSignal): Promise<unknown> {
    const text = JSON.stringify(body);
    return this.http.send(
      () => this.signedPost(path, text),
      (res: RawResponse) => this.unwrap(what, res),
      signal,
    );
  }

  /** `ccwatch verify`: the first seat page of size 1, filtered as readAgents reads; its total counts the seats. */
  probe(now: number): Probe {
    const what = 'seat/query (verify)';
    const body = { current: 1, size: 1, params: this.seatParams(), ...itnioStatsWindow(now, this.cfg.timezone) };
    return {
      request: this.signedPost('/v3/cc/seat/query', JSON.stringify(body)),
      read: (res) => ({ agents: parseResponse(this.source, `${what} data`, SeatPage, this.unwrap(what, res)).total }),
    };
  }

  private seatParams(): { voiceGroupId?: number } {
    return { ...(this.cfg.voiceGroupId !== undefined ? { voiceGroupId: this.cfg.voiceGroupId } : {}) };
  }

  private async page<T extends z.ZodType>(
    path: string,
    body: object,
    page: ReturnType<typeof PageData<T>>,
    what: string,
    signal?: AbortSignal,
  ) {
    const data = await this.post(path, body, what, signal);
    return parseResponse(this.source, `${what} data`, page, data);
  }

  async readAgents(now: number, signal?: AbortSignal): Promise<AgentRead> {
    const params = this.seatParams();
    const window = itnioStatsWindow(now, this.cfg.timezone);
    const records = await readAllPages<SeatRecord>({
      source: this.source,
      what: 'seat/query',
      pageSize: ITNIO_PAGE_MAX,
      maxPageSize: ITNIO_PAGE_MAX,
      concurrency: this.cfg.http.concurrency,
      maxPages: this.cfg.http.maxPages,
      signal,
      idOf: (r) => String(r.keyId),
      fetchPage: async (current) => {
        const data = await this.page(
          '/v3/cc/seat/query',
          { current, size: ITNIO_PAGE_MAX, params, ...window },
          SeatPage,
          `seat/query page ${current}`,
          signal,
        );
        return { items: data.records, total: data.total, size: data.size, pages: data.pages };
      },
    });
    const agents: NormalizedAgent[] = records
      .filter((r) => r.deleteFlag !== 1 && r.enable !== 1) // deleted or disabled seats are not watched
      .map((r) => ({
        source: this.source,
        agentId: String(r.keyId),
        name: r.name || r.petName || r.account || String(r.keyId),
        groups: r.groupName ? [r.groupName] : r.voiceGroupId != null ? [String(r.voiceGroupId)] : [],
        state: mapItnioStatus(r.status),
        vendorState: String(r.status),
        observedAt: now,
      }));
    // a complete list: an agent it lacks is gone, not unreported
    return { agents, unreported: [] };
  }

  /** Contacts of one status (or all) counted with one request: size 1, read `total`. */
  async countTaskContacts(taskId: number, status?: number, signal?: AbortSignal): Promise<number> {
    const params = { taskId, ...(status !== undefined ? { statusList: [status] } : {}) };
    const data = await this.page(
      '/v3/cc/preview/queryTaskDetail',
      { current: 1, size: 1, params },
      TaskContactPage,
      `queryTaskDetail task ${taskId}`,
      signal,
    );
    return data.total;
  }

  /** One page of contacts (at most 100), numbers masked here so raw numbers never travel further. */
  async readTaskContacts(
    taskId: number,
    statusList: number[],
    size: number,
    signal?: AbortSignal,
  ): Promise<{ total: number; contacts: TaskContact[] }> {
    const data = await this.page(
      '/v3/cc/preview/queryTaskDetail',
      { current: 1, size: Math.min(ITNIO_PAGE_MAX, Math.max(1, size)), params: { taskId, statusList } },
      TaskContactPage,
      `queryTaskDetail task ${taskId}`,
      signal,
    );
    return {
      total: data.total,
      contacts: data.records.map((r) => ({
        id: String(r.keyId),
        calledMasked: maskPhone(r.called ?? r.encryptCalled),
        status: r.status,
        ...(r.errorReason ? { errorReason: r.errorReason } : {}),
        ...(r.seatName != null ? { agentName: String(r.seatName) } : {}),
      })),
    };
  }

  /** Preview tasks matching the filter (e.g. taskStatus [11] = calling), every page. */
  async listPreviewTasks(params: { taskStatus?: number[]; taskId?: number }, signal?: AbortSignal): Promise<PreviewTask[]> {
    return readAllPages<PreviewTask>({
      source: this.source,
      what: 'preview/query',
      pageSize: ITNIO_PAGE_MAX,
      maxPageSize: ITNIO_PAGE_MAX,
      concurrency: this.cfg.http.concurrency,
      maxPages: this.cfg.http.maxPages,
      signal,
      idOf: (t) => String(t.taskId),
      fetchPage: async (current) => {
        const data = await this.page(
          '/v3/cc/preview/query',
          { current, size: ITNIO_PAGE_MAX, params },
          PreviewTaskPage,
          `preview/query page ${current}`,
          signal,
        );
        return { items: data.records, total: data.total, size: data.size, pages: data.pages };
      },
    });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
