import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AgentState } from '#shared/model/agent';
import { huaweiAuthorization } from '#shared/vendors/huawei-sign';
import { itnioSign } from '#shared/vendors/itnio';
import { nxSign } from '#shared/vendors/nxcloud';
import { closeServer, listenLoopback } from '../local/loopback';
import { contactStatusAt, type Segment, type SimAgent, type SimTask, segmentAt, taskStatusAt, timeByKey } from './population';

export type VendorName = 'itnio' | 'huawei' | 'nxcloud';

export interface SimPopulation {
  itnio?: { apiKey: string; apiSecret: string; agents: SimAgent[]; tasks?: SimTask[] };
  huawei?: { ak: string; sk: string; ccId: number; vdn: number; agents: SimAgent[]; restReasons?: { id: number; name: string }[] };
  nxcloud?: { accessKey: string; accessSecret: string; tenantId: number; agents: SimAgent[] };
}

export type FaultKind =
  | { kind: 'latency'; ms: number }
  | { kind: 'http'; status: number }
  /** Holds the request without answering until the client gives up. */
  | { kind: 'timeout' }
  | { kind: 'reset' }
  | { kind: 'malformed' }
  | { kind: 'truncated' }
  /** Sends the state field of the first record as a word instead of a number. */
  | { kind: 'wrongType' }
  /** Answers with the vendor's own error envelope and this code. */
  | { kind: 'vendorCode'; code: string | number }
  /** Changes the parsed answer before it is sent (schema drift, lying totals). */
  | { kind: 'mutate'; fn: (json: any) => void }
  /**
   * The Huawei status answer leaves out requested agents: those in `ids`, and about `fraction` of
   * the requested ids, spread evenly over the request (every tenth for 0.1).
   */
  | { kind: 'omitIds'; ids?: number[]; fraction?: number }
  /**
   * Sends the real answer `bytesPerChunk` bytes every `everyMs`. Keep `everyMs` under the client's
   * body timeout: no single gap then times out, only a whole-request deadline can end it.
   */
  | { kind: 'trickle'; bytesPerChunk: number; everyMs: number }
  /** The page claims this total (ITNIO `data.total`, NXCloud `total`), whatever records it carries. */
  | { kind: 'hugeTotal'; total: number }
  /**
   * Streams a JSON answer of `bytes` bytes, never held in memory: the real answer with its first
   * record's name padded to size (a top-level `padding` field where there is no record). Sent
   * chunked unless `declareLength`, which sends content-length so a client can refuse it unread.
   */
  | { kind: 'hugeBody'; bytes: number; declareLength?: boolean };

export type Fault = FaultKind & {
  /** Exact path or pattern the fault applies to. */
  path: string | RegExp;
  /** Only requests whose parsed body matches. */
  match?: (body: any) => boolean;
  /** How many requests it hits; forever when absent. */
  times?: number;
};

export interface LoggedRequest {
  at: number;
  vendor: VendorName | 'unknown';
  method: string;
  path: string;
  body: any;
  /** 'ok', 'auth', 'clock', 'param', 'not-found', or 'fault:<kind>'. */
  outcome: string;
  /** Time from the request's arrival to the end of the answer (injected latency included). */
  ms?: number;
  /** Signature or auth header values are kept out of the log on purpose. */
}

export interface SimulatorOptions {
  population: SimPopulation;
  /** Logical time driving timelines (ms). */
  clock: () => number;
  /**
   * Maps a time a client sends (the end of NXCloud's status window) onto the timeline; the window
   * keeps its length. The identity unless the timeline runs at another pace (`ccwatch sim --speed`).
   */
  timelineAt?: (t: number) => number;
  /**
   * Seconds an agent has been in the state it entered at `since` (timeline ms), as the vendor
   * reports it (Huawei currentStateTime). `(now - since) / 1000` unless the timeline runs at
   * another pace (scenarioClock's timeInStateSec).
   */
  timeInStateSec?: (agentId: string, since: number, now: number) => number;
  /**
   * The vendor's own clock: it judges request timestamps (each vendor's window) and dates every
   * answer (HTTP Date header). The wall clock unless a test skews it.
   */
  wallClock?: () => number;
  /** Added to every response (benchmarks). */
  latencyMs?: number;
  port?: number;
  /** Keep at most this many log entries (benchmarks at 50k agents). */
  logLimit?: number;
}

const ITNIO_CODES: Record<AgentState, number> = { offline: 1, idle: 2, busy: 3, wrapup: 4, break: 5, other: 2 };
const HUAWEI_CODES: Record<AgentState, number> = { offline: 0, idle: 1, busy: 5, wrapup: 6, break: 8, other: 3 };
const NX_KEYS: Record<AgentState, string | undefined> = {
  offline: undefined,
  idle: 'idleDuration',
  busy: 'callingDuration',
  wrapup: 'wrapupDuration',
  break: 'eatingDuration',
  other: 'ringingDuration',
};
const ITNIO_TS_WINDOW_S = 300;
const HUAWEI_TS_WINDOW_MS = 5 * 60_000;
const NX_TS_WINDOW_MS = 60_000;

class Reply {
  constructor(
    readonly status: number,
    readonly json: unknown,
    readonly outcome = 'ok',
  ) {}
}

/**
 * Speaks the three vendors' documented contracts on one loopback port, with their quirks:
 * numbers as strings where the examples send strings, Huawei sentinels, both record arrays.
 */
export class VendorSimulator {
  readonly log: LoggedRequest[] = [];
  /** Requests being served right now, and the most at once since the log was cleared. */
  private inFlight = 0;
  peakInFlight = 0;
  readonly faults: Fault[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly opts: SimulatorOptions;

  constructor(opts: SimulatorOptions) {
    this.opts = opts;
  }

  get population(): SimPopulation {
    return this.opts.population;
  }

  /** The base URL once started. */
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.url = await listenLoopback(this.server, this.opts.port);
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await closeServer(this.server);
  }

  addFault(fault: Fault): void {
    this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  clearLog(): void {
    this.log.length = 0;
    this.peakInFlight = this.inFlight;
  }

  /** Requests that reached a path (and, optionally, whose body matches). */
  requests(path: string, match?: (body: any) => boolean): LoggedRequest[] {
    return this.log.filter((r) => r.path === path && (!match || match(r.body)));
  }

  /** Puts an agent into `state` from `at` on (drops any later segments). */
  setState(vendor: VendorName, agentId: string, at: number, state: AgentState, extra: Omit<Segment, 'at' | 'state'> = {}): void {
    const agent = this.opts.population[vendor]?.agents.find((a) => a.id === agentId);
    if (!agent) throw new Error(`no ${vendor} agent ${agentId} in the simulator`);
    agent.timeline = [...agent.timeline.filter((s) => s.at < at), { at, state, ...extra }];
  }

  private takeFaults(path: string, body: unknown): FaultKind[] {
    const hits: FaultKind[] = [];
    for (const f of this.faults) {
      const pathOk = typeof f.path === 'string' ? f.path === path : f.path.test(path);
      if (!pathOk || (f.match && !f.match(body)) || f.times === 0) continue;
      if (f.times !== undefined) f.times--;
      hits.push(f);
    }
    return hits;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    let entry: LoggedRequest | undefined;
    this.peakInFlight = Math.max(this.peakInFlight, ++this.inFlight);
    res.once('close', () => {
      this.inFlight--;
      if (entry) entry.ms = performance.now() - arrived;
    });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const vendor: VendorName | 'unknown' = path.startsWith('/v3/cc/')
      ? 'itnio'
      : path.startsWith('/rest/cmsapp/')
        ? 'huawei'
        : path.startsWith('/saas/cc/')
          ? 'nxcloud'
          : 'unknown';
    entry = { at: (this.opts.wallClock ?? Date.now)(), vendor, method: req.method ?? '', path, body, outcome: 'ok' };
    // a vendor dates its answers by its own clock (Node's default Date is this machine's)
    if (this.opts.wallClock) res.setHeader('date', new Date(this.opts.wallClock()).toUTCString());
    if (this.opts.logLimit === undefined || this.log.length < this.opts.logLimit) this.log.push(entry);

    const faults = this.takeFaults(path, body);
    const delay = (this.opts.latencyMs ?? 0) + faults.reduce((s, f) => s + (f.kind === 'latency' ? f.ms : 0), 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const fault = faults.find((f) => f.kind !== 'latency');
    if (fault) entry.outcome = `fault:${fault.kind}`;
    if (fault?.kind === 'timeout') return; // never answered; stop() destroys the socket
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'http') return this.send(res, fault.status, { error: 'injected' });
    if (fault?.kind === 'malformed') return this.sendText(res, 200, '<html><body>502 Bad Gateway</body></html>');

    let reply: Reply;
    try {
      reply = fault?.kind === 'vendorCode' ? vendorError(vendor, fault.code) : this.route(vendor, req, path, raw, body);
    } catch (err) {
      reply = new Reply(500, { error: String(err) }, 'crash');
    }
    if (reply.outcome !== 'ok' && entry.outcome === 'ok') entry.outcome = reply.outcome;
    let json = reply.json;
    if (fault?.kind === 'wrongType') json = wrongType(json);
    if (fault?.kind === 'mutate') fault.fn(json);
    if (fault?.kind === 'omitIds') omitIds(json, body, fault);
    if (fault?.kind === 'hugeTotal') claimTotal(json, fault.total);
    if (fault?.kind === 'hugeBody') return this.sendHuge(res, reply.status, json, fault);
    const text = JSON.stringify(json);
    if (fault?.kind === 'truncated') return this.sendText(res, reply.status, text.slice(0, Math.floor(text.length / 2)));
    if (fault?.kind === 'trickle') return this.trickle(res, reply.status, text, fault);
    this.sendText(res, reply.status, text);
  }

  /** A chunk every `everyMs` until done or the connection closes (the client gave up, or stop()). */
  private trickle(res: ServerResponse, status: number, text: string, f: { bytesPerChunk: number; everyMs: number }): void {
    const buf = Buffer.from(text);
    const step = Math.max(1, f.bytesPerChunk);
    let offset = 0;
    let timer: NodeJS.Timeout | undefined;
    res.once('close', () => clearTimeout(timer));
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': buf.length });
    const next = () => {
      if (res.destroyed) return;
      res.write(buf.subarray(offset, offset + step));
      offset += step;
      if (offset >= buf.length) res.end();
      else timer = setTimeout(next, f.everyMs);
    };
    next();
  }

  /** `json` padded to `bytes` and streamed with backpressure; stops when the connection closes. */
  private async sendHuge(res: ServerResponse, status: number, json: any, f: { bytes: number; declareLength?: boolean }): Promise<void> {
    const mark = '@@sim-padding@@';
    const record = firstRecord(json);
    if (record) record['nickName' in record ? 'nickName' : 'name'] = mark;
    else if (json && typeof json === 'object') json.padding = mark;
    const text = JSON.stringify(json);
    const at = text.indexOf(mark);
    // Huawei sends the same records twice (resultDesc, resultDatas): only the first is padded
    const head = Buffer.from(at < 0 ? text : text.slice(0, at));
    const tail = Buffer.from(at < 0 ? '' : text.slice(at + mark.length).replaceAll(mark, ''));
    let left = Math.max(0, f.bytes - head.length - tail.length);
    let closed = false;
    res.once('close', () => (closed = true));
    res.writeHead(status, {
      'content-type': 'application/json;charset=UTF-8',
      ...(f.declareLength ? { 'content-length': head.length + left + tail.length } : {}),
    });
    res.write(head);
    const pad = Buffer.alloc(64 * 1024, 'x');
    while (left > 0 && !closed) {
      const n = Math.min(left, pad.length);
      left -= n;
      if (!res.write(n === pad.length ? pad : pad.subarray(0, n))) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    if (!closed) res.end(tail);
  }

  private send(res: ServerResponse, status: number, json: unknown): void {
    this.sendText(res, status, JSON.stringify(json));
  }

  private sendText(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private route(vendor: VendorName | 'unknown', req: IncomingMessage, path: string, raw: string, body: any): Reply {
    const now = this.opts.clock();
    switch (vendor) {
      case 'itnio':
        return this.itnio(req, path, body, now);
      case 'huawei':
        return this.huawei(req, path, raw, body, now);
      case 'nxcloud':
        return this.nx(req, path, raw, body, now);
      default:
        return new Reply(404, { error: 'not found' }, 'not-found');
    }
  }

  // ---- ITNIO ---------------------------------------------------------------------------------

  private itnio(req: IncomingMessage, path: string, body: any, now: number): Reply {
    const pop = this.opts.population.itnio;
    if (!pop) return new Reply(404, { error: 'no ITNIO tenant' }, 'not-found');
    const key = header(req, 'api-key');
    const ts = header(req, 'timestamp');
    const sign = header(req, 'sign');
    if (key !== pop.apiKey || !ts || sign?.toLowerCase() !== itnioSign(pop.apiKey, pop.apiSecret, ts)) {
      return new Reply(200, { status: '-1', reason: 'Authentication error', data: null }, 'auth');
    }
    const wall = (this.opts.wallClock ?? Date.now)() / 1000;
    if (!/^\d+$/.test(ts) || Math.abs(wall - Number(ts)) > ITNIO_TS_WINDOW_S) {
      return new Reply(200, { status: '-16', reason: 'Timestamp expires', data: null }, 'clock');
    }
    const current = body?.current;
    const size = body?.size;
    if (
      !Number.isInteger(current) ||
      current < 1 ||
      !Number.isInteger(size) ||
      size < 1 ||
      size > 100 ||
      typeof body?.params !== 'object'
    ) {
      return new Reply(200, { status: '-22', reason: 'Parameter exception', data: null }, 'param');
    }
    const params = body.params ?? {};
    if (path === '/v3/cc/seat/query') {
      let agents = pop.agents;
      if (params.voiceGroupId !== undefined) agents = agents.filter((a) => a.groups.includes(String(params.voiceGroupId)));
      const page = agents.slice((current - 1) * size, current * size);
      const records = page.map((a) => {
        const { segment } = segmentAt(a, now);
        return {
          keyId: Number(a.id),
          empNo: a.id.padStart(3, '0'),
          petName: a.name,
          name: a.name,
          appId: '1000009',
          deleteFlag: 0,
          createTime: '2023-09-07 11:44:37',
          updateTime: '2024-10-29 17:33:02',
          enable: a.enabled === false ? 1 : 0,
          priority: 1,
          voiceGroupId: 1000000 + Math.max(0, ['sales', 'support', 'billing'].indexOf(a.groups[0] ?? '')),
          account: `acct_${a.id}`,
          password: '452061e7b50b70001c1e2168632ea56d',
          displayNum: '12802112125',
          ccode: null,
          appName: null,
          groupName: a.groups[0] ?? null,
          // the documented example sends the Integer as a string
          status: String(segment.code ?? ITNIO_CODES[segment.state]),
        };
      });
      return new Reply(200, { status: '0', reason: 'success', data: pageData(agents.length, size, current, records) });
    }
    if (path === '/v3/cc/preview/queryTaskDetail') {
      const task = (pop.tasks ?? []).find((t) => t.taskId === params.taskId);
      if (!Number.isInteger(params.taskId) || !task)
        return new Reply(200, { status: '-22', reason: 'Parameter exception', data: null }, 'param');
      const statusList: number[] | undefined = Array.isArray(params.statusList) && params.statusList.length ? params.statusList : undefined;
      const rows = task.contacts
        .map((c) => ({ c, step: contactStatusAt(c, now) }))
        .filter(({ step }) => !statusList || statusList.includes(step.status))
        // newest change first, so the first page holds the latest abnormal contacts
        .sort((a, b) => b.step.at - a.step.at);
      const records = rows.slice((current - 1) * size, current * size).map(({ c, step }) => ({
        keyId: c.id,
        called: c.called,
        encryptCalled: c.called,
        calledInfo: null,
        seatName: step.status === 5 ? null : (c.agentName ?? null),
        sipGroupName: null,
        labelName: null,
        remark: null,
        callId: step.status === 5 ? null : c.id * 10,
        errorReason: step.status === 7 ? (step.errorReason ?? 'unknown') : null,
        status: step.status,
        callCount: step.status === 5 ? 0 : 1,
        var01: '1111',
      }));
      // this endpoint's example sends status as a number
      return new Reply(200, {
        status: 0,
        reason: 'success',
        data: { ...pageData(rows.length, size, current, records), searchCount: true },
      });
    }
    if (path === '/v3/cc/preview/query') {
      let tasks = pop.tasks ?? [];
      if (Array.isArray(params.taskStatus)) tasks = tasks.filter((t) => params.taskStatus.includes(taskStatusAt(t, now)));
      if (params.taskId !== undefined) tasks = tasks.filter((t) => t.taskId === params.taskId);
      const records = tasks.slice((current - 1) * size, current * size).map((t) => {
        const taskStatus = taskStatusAt(t, now);
        const remain = t.contacts.filter((c) => contactStatusAt(c, now).status === 5).length;
        return {
          taskId: t.taskId,
          taskName: t.name,
          taskStatus,
          finishFlag: taskStatus === 12 ? 1 : 0,
          totalCount: t.contacts.length,
          remainCount: remain,
        };
      });
      return new Reply(200, { status: '0', reason: 'success', data: pageData(tasks.length, size, current, records) });
    }
    return new Reply(404, { error: 'not found' }, 'not-found');
  }

  // ---- Huawei --------------------------------------------------------------------------------

  private huawei(req: IncomingMessage, path: string, raw: string, body: any, now: number): Reply {
    const pop = this.opts.population.huawei;
    if (!pop) return new Reply(404, { error: 'no Huawei tenant' }, 'not-found');
    const auth = header(req, 'authorization') ?? '';
    const m = /^auth-v2\/([^/]+)\/([^/]+)\/([^/]+)\/([0-9a-f]{64})$/.exec(auth);
    if (!m) return new Reply(401, { error: 'Unauthorized' }, 'auth');
    const [, ak, ts, signedHeaders] = m as unknown as [string, string, string, string];
    const headers = Object.fromEntries(signedHeaders.split(';').map((h) => [h, header(req, h) ?? '']));
    const expected = huaweiAuthorization({ ak, sk: pop.sk, timestamp: ts, method: req.method ?? 'POST', path, headers, body: raw });
    if (ak !== pop.ak || expected !== auth) return new Reply(401, { error: 'Unauthorized' }, 'auth');
    const tsMs = Date.parse(ts);
    if (!Number.isFinite(tsMs) || Math.abs((this.opts.wallClock ?? Date.now)() - tsMs) > HUAWEI_TS_WINDOW_MS) {
      return new Reply(401, { error: 'Unauthorized: timestamp out of range' }, 'clock');
    }
    const reasons = path.match(/^\/rest\/cmsapp\/v1\/openapi\/agentgroup\/restreasons\/(\d+)\/(\d+)$/);
    if (reasons) {
      return new Reply(200, {
        resultCode: '0100000',
        resultDesc: (pop.restReasons ?? []).map((r) => ({ restReasonId: r.id, restReason: r.name })),
      });
    }
    if (path !== '/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids') return new Reply(404, { error: 'not found' }, 'not-found');
    const ids = body?.agentIds;
    if (
      body?.ccId !== pop.ccId ||
      body?.vdn !== pop.vdn ||
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > 6000 ||
      ids.some((i: unknown) => !Number.isInteger(i) || (i as number) < 101 || (i as number) > 59999)
    ) {
      return new Reply(200, { result: '1', resultCode: '0100002', resultDesc: 'invalid parameter' }, 'param');
    }
    const byId = new Map(pop.agents.map((a) => [Number(a.id), a]));
    const records = (ids as number[])
      .map((id) => byId.get(id))
      .filter((a): a is SimAgent => a !== undefined)
      .map((a) => {
        const { segment, since } = segmentAt(a, now);
        const code = segment.code ?? HUAWEI_CODES[segment.state];
        const signedIn = segment.state !== 'offline';
        return {
          prevState: 1,
          agentId: Number(a.id),
          logonTime: signedIn ? now - 3600_000 : 4294967295000,
          agentRelease: 0,
          locationId: 65535,
          currentPrivateCallNum: 0,
          currentStateTime: Number.isFinite(since)
            ? Math.floor(this.opts.timeInStateSec ? this.opts.timeInStateSec(`huawei:${a.id}`, since, now) : (now - since) / 1000)
            : 4294967295,
          currentStateReason: code === 8 ? (segment.reason ?? 0) : 65535,
          prevStateTime: 4294967295,
          currentState: code,
        };
      });
    return new Reply(200, { result: '0', resultCode: '0100000', resultDatas: records, resultDesc: records });
  }

  // ---- NXCloud -------------------------------------------------------------------------------

  private nx(req: IncomingMessage, path: string, raw: string, body: any, now: number): Reply {
    const pop = this.opts.population.nxcloud;
    if (!pop) return new Reply(404, { error: 'no NX tenant' }, 'not-found');
    const reqId = randomBytes(16).toString('hex');
    const fail = (code: number, msg: string, outcome: string) => new Reply(200, { reqId, code, msg, data: {}, total: 0 }, outcome);
    const accessKey = header(req, 'accesskey');
    const ts = header(req, 'ts');
    const sign = header(req, 'sign');
    const bizType = header(req, 'biztype');
    const action = header(req, 'action');
    if (!accessKey || !ts || !sign || !bizType || !action) return fail(1001, 'Authorization Failed', 'auth');
    if (bizType !== '8' || action !== 'cc') return fail(1002, 'bizType or action error', 'param');
    if (accessKey !== pop.accessKey || sign !== nxSign({ accessKey, action, bizType, ts, body: raw, accessSecret: pop.accessSecret })) {
      return fail(1003, 'sign error', 'auth');
    }
    if (!/^\d{13}$/.test(ts) || Math.abs((this.opts.wallClock ?? Date.now)() - Number(ts)) > NX_TS_WINDOW_MS)
      return fail(1004, 'ts expired', 'clock');
    if (body?.tenantId !== pop.tenantId) return fail(1005, 'no permission', 'auth');
    if (path === '/saas/cc/openapi/agent/page') {
      const { size, page } = body;
      if (!Number.isInteger(size) || size < 1 || size > 200 || !Number.isInteger(page) || page < 1)
        return fail(1002, 'size must be 1-200, page from 1', 'param');
      const list = body.userName ? pop.agents.filter((a) => a.id === body.userName) : pop.agents;
      const data = list.slice((page - 1) * size, page * size).map((a) => ({
        allowCountry: ['US, SG'],
        endPointName: 'HONGKONG',
        enableStatusLog: false,
        gmtCreate: '2019-08-24 14:15:22',
        gmtModified: '2019-08-24 14:15:22',
        queueName: a.groups,
        nickName: a.name,
        recording: false,
        recordingStorageDays: 0,
        sipNumber: `NX${a.id.replace(/\D/g, '').padStart(5, '0')}`,
        status: a.enabled === false ? 0 : 1,
        userName: a.id,
      }));
      return new Reply(200, { reqId, code: 0, msg: 'Success', data, total: list.length });
    }
    if (path === '/saas/cc/openapi/agent/status/info') {
      const agent = pop.agents.find((a) => a.id === body.userName);
      const { startDateTime: start, endDateTime: end } = body;
      if (!agent || !Number.isInteger(start) || !Number.isInteger(end) || end < start)
        return fail(1002, 'userName, startDateTime, endDateTime required', 'param');
      const to = this.opts.timelineAt ? this.opts.timelineAt(end * 1000) : end * 1000;
      const spent = timeByKey(agent, to - (end - start) * 1000, Math.min(to, now), (seg) => NX_KEYS[seg.state], true);
      const data: Record<string, number> = {
        busyDuration: 0,
        wrapupDuration: 0,
        idleDuration: 0,
        callingDuration: 0,
        ringingDuration: 0,
        meetingDuration: 0,
        eatingDuration: 0,
        wcDuration: 0,
      };
      for (const [k, v] of Object.entries(spent)) data[k] = Math.round(v);
      return new Reply(200, { reqId, code: 0, msg: 'Success', data: { userName: agent.id, ...data } });
    }
    return new Reply(404, { error: 'not found' }, 'not-found');
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function pageData(total: number, size: number, current: number, records: unknown[]) {
  return { total, size, current, pages: Math.ceil(total / size), records };
}

function vendorError(vendor: VendorName | 'unknown', code: string | number): Reply {
  const outcome = `fault:vendorCode`;
  if (vendor === 'itnio') return new Reply(200, { status: String(code), reason: 'injected', data: null }, outcome);
  if (vendor === 'huawei') return new Reply(200, { result: '1', resultCode: String(code), resultDesc: 'injected' }, outcome);
  return new Reply(200, { reqId: 'x', code: Number(code), msg: 'injected', data: {}, total: 0 }, outcome);
}

function firstRecord(json: any): Record<string, unknown> | undefined {
  const first = json?.data?.records?.[0] ?? json?.resultDesc?.[0] ?? json?.resultDatas?.[0] ?? json?.data?.[0];
  return first && typeof first === 'object' ? first : undefined;
}

/** Drops the fault's agents from a Huawei status answer (both record arrays). */
function omitIds(json: any, body: any, f: { ids?: number[]; fraction?: number }): void {
  const drop = new Set(f.ids ?? []);
  const fraction = f.fraction ?? 0;
  const requested: unknown[] = Array.isArray(body?.agentIds) ? body.agentIds : [];
  requested.forEach((id, i) => {
    if (typeof id === 'number' && Math.floor((i + 1) * fraction) > Math.floor(i * fraction)) drop.add(id);
  });
  for (const key of ['resultDesc', 'resultDatas']) {
    if (Array.isArray(json?.[key])) json[key] = json[key].filter((r: any) => !drop.has(r?.agentId));
  }
}

/** Makes a page claim `total` records (ITNIO data.total and pages, NXCloud total). */
function claimTotal(json: any, total: number): void {
  const data = json?.data;
  if (data && typeof data === 'object' && !Array.isArray(data) && 'total' in data) {
    data.total = total;
    if (data.size > 0) data.pages = Math.ceil(total / data.size);
  } else if (json && typeof json === 'object' && 'total' in json) {
    json.total = total;
  }
}

/** Replaces the first record's state field with a word, as a drifting server might. */
function wrongType(json: any): any {
  const first = json?.data?.records?.[0] ?? json?.resultDesc?.[0] ?? json?.data?.[0] ?? json?.data;
  if (first && typeof first === 'object') {
    for (const key of ['status', 'currentState', 'idleDuration', 'userName']) {
      if (key in first) {
        first[key] = key === 'userName' ? 42 : 'busy';
        if (json?.resultDatas?.[0]) json.resultDatas[0][key] = 'busy';
        break;
      }
    }
  }
  return json;
}
