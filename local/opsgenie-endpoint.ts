import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeServer, listenLoopback } from './loopback';

/** One Alert API request as Opsgenie received it. */
export interface ReceivedOpsgenieRequest {
  /** create, acknowledge, close or priority (an update of the alert's priority). */
  action: 'create' | 'acknowledge' | 'close' | 'priority';
  /** The alias (acknowledge, close, priority: from the path; create: from the body). */
  alias: string | undefined;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export interface OpsgenieFault {
  status: 400 | 422 | 429 | 500 | 502 | 503;
  retryAfter?: number;
}

const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'];

/** What the real Alert API would refuse (422), per its documented limits. */
export function invalidAlertErrors(b: Record<string, unknown>): Record<string, string> {
  const errors: Record<string, string> = {};
  const str = (k: string, max: number, required = false) => {
    const v = b[k];
    if (v === undefined) {
      if (required) errors[k] = 'is required';
    } else if (typeof v !== 'string') errors[k] = 'must be a string';
    else if (v.length > max) errors[k] = `is longer than ${max} characters`;
  };
  str('message', 130, true);
  str('alias', 512);
  str('description', 15000);
  str('entity', 512);
  str('source', 100);
  str('user', 100);
  str('note', 25000);
  if (b.priority !== undefined && !PRIORITIES.includes(String(b.priority))) errors.priority = 'must be one of P1..P5';
  if (b.tags !== undefined) {
    const tags = b.tags as unknown[];
    if (!Array.isArray(tags) || tags.length > 20 || tags.some((t) => typeof t !== 'string' || t.length > 50))
      errors.tags = 'at most 20 tags of 50 characters';
  }
  if (b.details !== undefined) {
    const d = b.details as Record<string, unknown>;
    if (typeof d !== 'object' || d === null || Object.values(d).some((v) => typeof v !== 'string'))
      errors.details = 'must map strings to strings';
    else if (Object.entries(d).reduce((n, [k, v]) => n + k.length + (v as string).length, 0) > 8000)
      errors.details = 'is longer than 8000 characters';
  }
  return errors;
}

/**
 * A loopback stand-in for the Opsgenie Alert API: create (`POST /v2/alerts`), acknowledge and
 * close (`POST /v2/alerts/{id}/acknowledge|close?identifierType=alias`), priority updates
 * (`PUT /v2/alerts/{id}/priority?identifierType=alias`). Checks the
 * `GenieKey` header (401), refuses what the real API would (422), records the rest and answers
 * 202 "Request will be processed". Faults can be queued for the next requests.
 */
export class OpsgenieEndpoint {
  readonly received: ReceivedOpsgenieRequest[] = [];
  requests = 0;
  /** Per coming request, in order: a fault, or undefined to answer it normally. */
  private faults: (OpsgenieFault | undefined)[] = [];
  private server?: Server;
  url = '';

  constructor(private readonly apiKey?: string) {}

  failNext(n: number, fault: OpsgenieFault = { status: 500 }): void {
    for (let i = 0; i < n; i++) this.faults.push(fault);
  }

  /** Answers the next n requests (after the faults already queued) normally. */
  passNext(n: number): void {
    for (let i = 0; i < n; i++) this.faults.push(undefined);
  }

  clear(): void {
    this.received.length = 0;
    this.faults = [];
    this.requests = 0;
  }

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      this.requests++;
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const requestId = randomUUID();
      const send = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify({ ...body, took: 0.01, requestId }));
      };
      const fault = this.faults.shift();
      if (fault) {
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
        return send(fault.status, { message: fault.status === 429 ? 'You are making too many requests!' : 'injected' }, headers);
      }
      const authorization = req.headers.authorization;
      if (this.apiKey !== undefined && authorization !== `GenieKey ${this.apiKey}`) return send(401, { message: 'Could not authenticate' });
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query = Object.fromEntries(url.searchParams);
      let body: Record<string, unknown> = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        return send(400, { message: 'Could not parse the body' });
      }
      let action: ReceivedOpsgenieRequest['action'];
      let alias: string | undefined;
      const m = /^\/v2\/alerts\/([^/]+)\/(acknowledge|close|priority)$/.exec(url.pathname);
      if (req.method === 'POST' && url.pathname === '/v2/alerts') {
        action = 'create';
        alias = typeof body.alias === 'string' ? body.alias : undefined;
        const errors = invalidAlertErrors(body);
        if (Object.keys(errors).length) return send(422, { message: 'Request body is not processable', errors });
      } else if (m && req.method === (m[2] === 'priority' ? 'PUT' : 'POST')) {
        if (query.identifierType !== 'alias') return send(400, { message: 'identifierType must be alias here' });
        // the priority update takes the priority alone
        if (m[2] === 'priority' && (!PRIORITIES.includes(String(body.priority)) || Object.keys(body).length !== 1))
          return send(422, { message: 'Request body is not processable', errors: { priority: 'must be one of P1..P5, alone' } });
        action = m[2] as 'acknowledge' | 'close' | 'priority';
        alias = decodeURIComponent(m[1]!);
        const errors = invalidAlertErrors({ message: 'x', ...body });
        if (Object.keys(errors).length) return send(422, { message: 'Request body is not processable', errors });
      } else return send(404, { message: 'Not found' });
      this.received.push({ action, alias, path: url.pathname, query, authorization, body });
      send(202, { result: 'Request will be processed' });
    });
    this.url = await listenLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
