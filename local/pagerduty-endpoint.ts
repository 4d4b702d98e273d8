import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenLoopback } from './loopback';

/** An Events API v2 event as PagerDuty received it. */
export interface ReceivedPagerDutyEvent {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The decoded JSON body. */
  event: {
    routing_key?: string;
    event_action?: string;
    dedup_key?: string;
    client?: string;
    payload?: {
      summary?: string;
      source?: string;
      severity?: string;
      timestamp?: string;
      component?: string;
      group?: string;
      class?: string;
      custom_details?: Record<string, unknown>;
    };
    links?: { href: string; text?: string }[];
    [k: string]: unknown;
  };
}

/** What the stand-in answers the next requests with, instead of taking them. */
export interface Fault {
  status: 400 | 429 | 500 | 502 | 503;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];

/** What the real Events API would refuse as an invalid event (400), per its documented limits. */
export function invalidEventErrors(e: ReceivedPagerDutyEvent['event']): string[] {
  const errors: string[] = [];
  if (typeof e.routing_key !== 'string' || !e.routing_key) errors.push("'routing_key' is missing or blank");
  if (!ACTIONS.includes(String(e.event_action))) errors.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
  if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255))
    errors.push("'dedup_key' is longer than 255");
  if (e.event_action !== 'trigger' && !e.dedup_key) errors.push("'dedup_key' is missing or blank");
  if (e.event_action === 'trigger') {
    const p = e.payload;
    if (!p) errors.push("'payload' is missing or blank");
    else {
      if (typeof p.summary !== 'string' || !p.summary) errors.push("'payload.summary' is missing or blank");
      else if (p.summary.length > 1024) errors.push("'payload.summary' is longer than 1024");
      if (typeof p.source !== 'string' || !p.source) errors.push("'payload.source' is missing or blank");
      if (!SEVERITIES.includes(String(p.severity)))
        errors.push("'payload.severity' is invalid (must be one of: critical, error, warning, info)");
      if (p.timestamp !== undefined && Number.isNaN(Date.parse(p.timestamp))) errors.push("'payload.timestamp' is invalid");
    }
  }
  for (const l of e.links ?? []) if (typeof l.href !== 'string' || !l.href) errors.push("'links.href' is missing or blank");
  return errors;
}

/**
 * A loopback stand-in for the PagerDuty Events API v2 (`POST /v2/enqueue`): decodes and records
 * each event, refuses an invalid one as the real API does (400, "invalid event"), and otherwise
 * answers 202 with the dedup key. Faults can be queued: the next requests get 429, 5xx or 400.
 */
export class PagerDutyEndpoint {
  /** Events taken (202), in order. */
  readonly events: ReceivedPagerDutyEvent[] = [];
  /** Every request, faulted or not. */
  requests = 0;
  private faults: Fault[] = [];
  private server?: Server;
  url = '';

  /** The next n requests get this answer. */
  failNext(n: number, fault: Fault = { status: 500 }): void {
    for (let i = 0; i < n; i++) this.faults.push(fault);
  }

  clear(): void {
    this.events.length = 0;
    this.faults = [];
    this.requests = 0;
  }

  /** Requests taken but never answered while `hang` is set (an endpoint that stopped answering). */
  hang = false;
  private hung: ServerResponse[] = [];

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      this.requests++;
      let raw = '';
      for await (const chunk of req) raw += chunk;
      if (this.hang) {
        this.hung.push(res);
        return;
      }
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const fault = this.faults.shift();
      if (fault) {
        const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
        if (fault.status === 429)
          return send(
            429,
            { status: 'throttle event', message: 'Requests for this service are arriving too quickly. Please retry later.' },
            headers,
          );
        if (fault.status === 400) return send(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['injected'] });
        return send(fault.status, { status: 'error', message: 'injected' }, headers);
      }
      if (req.method !== 'POST' || req.url !== '/v2/enqueue') return send(404, { status: 'not found', message: 'Not found' });
      let event: ReceivedPagerDutyEvent['event'];
      try {
        event = JSON.parse(raw);
      } catch {
        return send(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid JSON'] });
      }
      const errors = invalidEventErrors(event);
      if (errors.length) return send(400, { status: 'invalid event', message: 'Event object is invalid', errors });
      this.events.push({ path: req.url, headers: req.headers, event });
      send(202, { status: 'success', message: 'Event processed', dedup_key: event.dedup_key ?? randomUUID() });
    });
    this.url = await listenLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    for (const res of this.hung.splice(0)) res.destroy();
    return closeServer(this.server);
  }
}
