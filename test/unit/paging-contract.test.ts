import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ItnioClient, ItnioSourceSchema } from '#shared/vendors/itnio';
import { type Page, readAllPages } from '#shared/vendors/paging';
import { sourceError } from '../support/errors';

const ids = (from: number, n: number) => Array.from({ length: Math.max(0, n) }, (_, i) => from + i);
const base = { source: 'src', what: 'seat/query', pageSize: 100, concurrency: 1, maxPages: 1000, idOf: (n: number) => String(n) };
/** fetchPage answering `page(p)`, noting each page asked for in `asked`. */
const noting =
  (asked: number[], page: (p: number) => Page<number>) =>
  async (p: number): Promise<Page<number>> => {
    asked.push(p);
    return page(p);
  };

describe('readAllPages follows the page size page 1 says it served', () => {
  /** A server that serves `served` records a page whatever was asked, and says so as `say` describes. */
  const serving = (total: number, served: number, say: Partial<Page<number>>, asked: number[] = []) =>
    noting(asked, (page) => ({ items: ids((page - 1) * served, Math.min(served, total - (page - 1) * served)), total, ...say }));

  it('reads 50 records served 20 a page when 100 were asked for (size 20)', async () => {
    const asked: number[] = [];
    const items = await readAllPages({ ...base, fetchPage: serving(50, 20, { size: 20, pages: 3 }, asked) });
    expect(items).toHaveLength(50);
    expect(asked).toEqual([1, 2, 3]);
  });

  it('uses `pages` when size is missing or unusable', async () => {
    for (const size of [undefined, 0, -20, 1e9, 101]) {
      const asked: number[] = [];
      const items = await readAllPages({ ...base, maxPageSize: 100, fetchPage: serving(50, 20, { size, pages: 3 }, asked) });
      expect(items).toHaveLength(50);
      expect(asked).toEqual([1, 2, 3]);
    }
  });

  it('falls back to the size asked for when size and pages are both unusable', async () => {
    for (const pages of [undefined, 0, -1, 1e9, 2]) {
      // 250 records need at least 3 pages of 100: "2" cannot be right, nor can 1e9 pages for 250 records
      const asked: number[] = [];
      const items = await readAllPages({ ...base, fetchPage: serving(250, 100, { size: 0, pages }, asked) });
      expect(items).toHaveLength(250);
      expect(asked).toEqual([1, 2, 3]);
    }
  });

  it('keeps the maxPages cap whatever page 1 says', async () => {
    let calls = 0;
    const tiny = await sourceError(
      readAllPages({
        ...base,
        fetchPage: async () => {
          calls++;
          return { items: [1], total: 100_000, size: 1 };
        },
      }),
    );
    expect(tiny.kind).toBe('schema');
    expect(tiny.message).toContain(
      'seat/query: vendor reported total 100000 records: 100000 pages of 1, over the cap of 1000 (http.maxPages)',
    );
    const many = await sourceError(
      readAllPages({
        ...base,
        fetchPage: async () => {
          calls++;
          return { items: [1], total: 500_000, pages: 400_000 };
        },
      }),
    );
    expect(many.message).toContain(
      'seat/query: vendor reported total 500000 records in 400000 pages, over the cap of 1000 (http.maxPages)',
    );
    expect(calls).toBe(2);
  });

  it('still refuses a read whose distinct records fall short of the total', async () => {
    const err = await sourceError(
      readAllPages({
        ...base,
        fetchPage: async (p) => ({ items: p === 2 ? [] : ids((p - 1) * 20, Math.min(20, 50 - (p - 1) * 20)), total: 50, size: 20 }),
      }),
    );
    expect(err.kind).toBe('incomplete');
    expect(err.message).toContain('seat/query: read 30 distinct records over 3 pages but the vendor reported 50');
  });
});

describe('readAllPages holds no more than the pages can carry', () => {
  it('refuses page 1 carrying more records than the page size, before asking for page 2', async () => {
    // the reviewer's case: 1,000 pages of 5,000 records against a total of 100,000
    const asked: number[] = [];
    const err = await sourceError(
      readAllPages({
        ...base,
        fetchPage: noting(asked, (p) => ({ items: ids((p - 1) * 5000, 5000), total: 100_000 })),
      }),
    );
    expect(err.kind).toBe('schema');
    expect(err.source).toBe('src');
    expect(err.message).toContain('seat/query page 1: 5000 records, more than the page size of 100');
    expect(asked).toEqual([1]);
  });

  it('refuses a later oversized page as it arrives and starts no page after it', async () => {
    const asked: number[] = [];
    const err = await sourceError(
      readAllPages({
        ...base,
        fetchPage: noting(asked, (p) => ({ items: ids((p - 1) * 100, p === 2 ? 101 : 100), total: 500, size: 100 })),
      }),
    );
    expect(err.message).toContain('seat/query page 2: 101 records, more than the page size of 100');
    expect(asked).toEqual([1, 2]);
  });

  it('stops once the distinct records exceed the total', async () => {
    // size unknown, pages 10 for a total of 10: a page may carry up to maxPageSize, yet 100 records on page 1 are too many
    const asked: number[] = [];
    const err = await sourceError(
      readAllPages({
        ...base,
        maxPageSize: 100,
        fetchPage: noting(asked, (p) => ({ items: ids((p - 1) * 100, 100), total: 10, pages: 10 })),
      }),
    );
    expect(err.kind).toBe('incomplete');
    expect(err.message).toContain('seat/query: 100 distinct records by page 1, more than the 10 the vendor reported');
    expect(asked).toEqual([1]);
  });
});

// ---- the real ITNIO adapter against a loopback server ------------------------------------------

type Reply = { status: string | number; reason?: string; data?: unknown };
let handler: (path: string, body: { current: number; size: number; params: Record<string, unknown> }) => Reply;
const requests: { path: string; body: { current: number; size: number } }[] = [];
let server: Server;
let baseUrl: string;
const clients: ItnioClient[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const path = req.url ?? '';
      requests.push({ path, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(handler(path, body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  requests.length = 0;
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const RETRIES = 1;
const itnio = () => {
  const c = new ItnioClient(
    ItnioSourceSchema.parse({
      vendor: 'itnio',
      id: 'itnio-main',
      baseUrl,
      secretId: 's',
      http: { retries: RETRIES, backoffBaseMs: 1, backoffMaxMs: 2, timeoutMs: 2_000, concurrency: 2 },
    }),
    { apiKey: 'k', apiSecret: 's' },
  );
  clients.push(c);
  return c;
};
const seat = (keyId: number) => ({ keyId, name: `Agent ${keyId}`, deleteFlag: 0, enable: 0, voiceGroupId: 1, status: '2' });
/** A server with a page size of its own: it serves `served` a page whatever `size` asked for. */
const ownPageSize = (total: number, served: number, record: (id: number) => object, extra: object = {}) => {
  return (_path: string, body: { current: number }): Reply => {
    const from = (body.current - 1) * served;
    const records = ids(from + 1, Math.min(served, total - from)).map(record);
    return {
      status: '0',
      reason: 'success',
      data: { total, size: served, current: body.current, pages: Math.ceil(total / served), records, ...extra },
    };
  };
};

describe('ITNIO adapter paging', () => {
  it('reads every seat from a server serving 20 a page when 100 were asked for (seed 000: asked 15, served 20)', async () => {
    handler = ownPageSize(50, 20, seat);
    const { agents } = await itnio().readAgents(Date.now());
    expect(agents).toHaveLength(50);
    expect(requests.map((r) => r.body.current).sort()).toEqual([1, 2, 3]);
    expect(requests.every((r) => r.body.size === 100)).toBe(true);
  });

  it('reads every preview task from a server serving 50 a page, size and pages sent as strings', async () => {
    handler = (path, body) => {
      const r = ownPageSize(120, 50, (taskId) => ({ taskId, taskStatus: 11 }))(path, body);
      const d = r.data as { size: number; pages: number };
      return { ...r, status: 0, data: { ...d, size: String(d.size), pages: String(d.pages) } };
    };
    const tasks = await itnio().listPreviewTasks({ taskStatus: [11] });
    expect(tasks).toHaveLength(120);
    expect(requests.map((r) => r.body.current).sort()).toEqual([1, 2, 3]);
  });

  it('refuses a page of 5,000 seats at once, naming the source, endpoint and counts', async () => {
    handler = (_path, body) => ({
      status: '0',
      data: { total: 100_000, size: 100, current: body.current, pages: 1000, records: ids((body.current - 1) * 5000 + 1, 5000).map(seat) },
    });
    const err = await sourceError(itnio().readAgents(Date.now()));
    expect(err.kind).toBe('schema');
    expect(err.message).toContain('[itnio-main] schema error: seat/query page 1: 5000 records, more than the page size of 100');
    expect(requests).toHaveLength(1);
  });
});

describe('ITNIO result codes, by their documented meaning', () => {
  const vendorSays = (status: string, reason: string) => {
    handler = () => ({ status, reason, data: null });
  };

  it.each([
    ['-1', 'Authentication error', 'auth', 1],
    ['-2', 'Authentication error', 'config', 1],
    ['-13', 'User locked', 'auth', 1],
    ['-16', 'Timestamp expires', 'clock', 2],
    ['-18', 'Port program unusual', 'transient', 1 + RETRIES],
    ['-20', 'Data existing', 'schema', 1],
    ['-22', 'Parameter exception', 'request', 1],
    ['-23', 'Data caps', 'transient', 1 + RETRIES],
    ['-35', 'The search time interval cannot be greater than 32 days!', 'request', 1],
    ['-99', 'something new', 'schema', 1],
  ])('status %s (%s) is a %s error, sent %i time(s)', async (code, reason, kind, sent) => {
    vendorSays(code, reason);
    const err = await sourceError(itnio().readAgents(Date.now()));
    expect([err.kind, err.vendorCode]).toEqual([kind, code]);
    expect(err.message).toContain(reason);
    expect(requests).toHaveLength(sent);
  });

  it('a data cap on a task count is not a request error, so it never reads as "the vendor rejects task id N"', async () => {
    vendorSays('-23', 'Data caps');
    const err = await sourceError(itnio().countTaskContacts(123, 7));
    expect(err.kind).not.toBe('request');
    expect(err.retryable).toBe(true);
  });
});
