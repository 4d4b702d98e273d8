import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpSettingsInput, retryAfterMs, VendorHttp } from '#shared/vendors/http';
import { HUAWEI_STATUS_PATH, HuaweiClient, HuaweiSourceSchema } from '#shared/vendors/huawei';
import { sourceError } from '../support/errors';

/** A loopback server whose handler sees each request with its arrival time. */
interface Loopback {
  url: string;
  hits: { path: string; at: number }[];
  close(): Promise<void>;
}
type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function loopback(handler: Handler): Promise<Loopback> {
  const hits: Loopback['hits'] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ path: req.url ?? '', at: performance.now() });
    req.resume();
    req.on('end', () => handler(req, res, hits.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lb = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  open.push(lb);
  return lb;
}

const FAST: HttpSettingsInput = { retries: 2, backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 1_000, deadlineMs: 1_000 };

function http(url: string, settings: HttpSettingsInput = {}): VendorHttp {
  const h = new VendorHttp('src', url, { ...FAST, ...settings });
  open.push(h);
  return h;
}

const get = (h: VendorHttp, signal?: AbortSignal) =>
  h.send(
    () => ({ method: 'POST', path: '/q', headers: { 'content-type': 'application/json' }, body: '{}' }),
    (res) => res.text,
    signal,
  );

/** Answers `status` (with these headers) to the first `times` requests, then 200 "ok". */
const failFirst =
  (times: number, status: number, headers: Record<string, string> = {}): Handler =>
  (_req, res, n) => {
    if (n <= times) res.writeHead(status, headers).end('slow down');
    else res.writeHead(200).end('ok');
  };

describe('VendorHttp: 429 and 408 are transient', () => {
  it.each([429, 408])('retries an HTTP %i and the read succeeds', async (status) => {
    const lb = await loopback(failFirst(2, status));
    expect(await get(http(lb.url))).toBe('ok');
    expect(lb.hits).toHaveLength(3);
  });

  it('a 429 on every attempt ends as a transient error after the configured retries', async () => {
    const lb = await loopback(failFirst(99, 429));
    const err = await sourceError(get(http(lb.url, { retries: 1 })));
    expect(err.kind).toBe('transient');
    expect(err.message).toMatch(/HTTP 429 from \/q/);
    expect(lb.hits).toHaveLength(2);
  });

  it('other 4xx stay request errors and are not retried', async () => {
    for (const status of [400, 404, 422]) {
      const lb = await loopback(failFirst(99, status));
      const err = await sourceError(get(http(lb.url)));
      expect(err.kind).toBe('request');
      expect(lb.hits).toHaveLength(1);
    }
  });

  it('waits out a Retry-After that fits, never retrying sooner', async () => {
    const lb = await loopback(failFirst(1, 429, { 'retry-after': '1' }));
    expect(await get(http(lb.url))).toBe('ok');
    expect(lb.hits).toHaveLength(2);
    expect(lb.hits[1]!.at - lb.hits[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('a Retry-After longer than http.retryAfterMaxMs fails at once, without a retry', async () => {
    const lb = await loopback(failFirst(99, 429, { 'retry-after': '120' }));
    const started = performance.now();
    const err = await sourceError(get(http(lb.url, { retryAfterMaxMs: 5_000 })));
    expect(performance.now() - started).toBeLessThan(500);
    expect(err.kind).toBe('transient');
    expect(err.message).toMatch(/HTTP 429 .*Retry-After 120000 ms, over http\.retryAfterMaxMs/);
    expect(lb.hits).toHaveLength(1);
  });

  it("a Retry-After wait ends when the run's signal aborts, with a deadline error and no further request", async () => {
    const lb = await loopback(failFirst(99, 429, { 'retry-after': '3' }));
    const started = performance.now();
    const err = await sourceError(get(http(lb.url), AbortSignal.timeout(200)));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(err.kind).toBe('deadline');
    expect(lb.hits).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('Huawei: the rest-reason names lookup cannot fail or hold the read', () => {
  const REASONS = /\/restreasons\//;

  /** Status answers at once (agent 1001 on rest reason 3); restreasons as `names` says. */
  function huaweiServer(names: { mode: 'trickle' | 'ok' }): Handler {
    return (req, res) => {
      if (req.url === HUAWEI_STATUS_PATH) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            resultCode: '0100000',
            resultDesc: [{ agentId: 1001, currentState: 8, currentStateTime: 120, currentStateReason: 3 }],
          }),
        );
      } else if (REASONS.test(req.url ?? '') && names.mode === 'ok') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ resultCode: '0100000', resultDesc: [{ restReasonId: 3, restReason: 'Meal' }] }));
      } else {
        // headers at once, then a body that never ends: a byte every 50 ms, under every gap limit
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('[');
        const timer = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(timer));
      }
    };
  }

  it('a trickling lookup costs only the names, within its own limit, and is not paid again next run', async () => {
    const names = { mode: 'trickle' as 'trickle' | 'ok' };
    const lb = await loopback(huaweiServer(names));
    const client = new HuaweiClient(
      HuaweiSourceSchema.parse({
        vendor: 'huawei',
        id: 'hw',
        baseUrl: lb.url,
        secretId: 's',
        ccId: 1,
        vdn: 170,
        agentIds: [1001],
        // the lookup's limit is min(deadlineMs, 5 s): 600 ms here, under the run's 1.5 s
        http: { ...FAST, timeoutMs: 600, deadlineMs: 600 },
      }),
      { ak: 'ak', sk: 'sk' },
    );
    open.push(client);
    const t0 = Date.parse('2026-01-01T09:00:00Z');

    // before: three 600 ms attempts outlasted the run's signal, which failed the whole read
    let started = performance.now();
    const first = await client.readAgents(t0, AbortSignal.timeout(1_500));
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(first.agents).toHaveLength(1);
    expect(first.agents[0]).toMatchObject({ agentId: '1001', state: 'break', reasonCode: '3', reason: '3' });
    const lookups = () => lb.hits.filter((h) => REASONS.test(h.path)).length;
    expect(lookups()).toBe(1);

    // the failure is remembered: the next run reads statuses only, at once
    started = performance.now();
    const second = await client.readAgents(t0 + 60_000, AbortSignal.timeout(2_000));
    expect(performance.now() - started).toBeLessThan(300);
    expect(second.agents[0]!.reason).toBe('3');
    expect(lookups()).toBe(1);

    // after a while it is asked again, and names come back
    names.mode = 'ok';
    const later = await client.readAgents(t0 + 11 * 60_000, AbortSignal.timeout(2_000));
    expect(lookups()).toBe(2);
    expect(later.agents[0]!.reason).toBe('Meal (3)');
  });
});
