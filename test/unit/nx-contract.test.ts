import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { planAgents } from '#shared/alerting/agents';
import { AgentRuleSchema } from '#shared/config/schema';
import type { Episode } from '#shared/model/items';
import { SourceError } from '#shared/vendors/errors';
import { inferNxState, NX_AGENT_PAGE_PATH, NX_AGENT_STATUS_PATH, NxClient, NxSourceSchema, nxError } from '#shared/vendors/nxcloud';

/** NXCloud's contract as its documents give it (seed 003, "NXCC API agentStatus"), against the adapter. */

const T = Date.UTC(2026, 10, 23, 9, 0);
const MIN = 60_000;

interface Listed {
  userName: string;
  sipNumber?: string;
  nickName?: string;
  status?: number | null;
}

/** A loopback NX tenant: agent/page lists `agents`; status/info answers `data` from `status(userName)`. */
async function nxTenant(agents: Listed[], status: (userName: string) => unknown) {
  const asked: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      let reply: object = { code: 1002, msg: 'no such path', data: {} };
      if (req.url === NX_AGENT_PAGE_PATH)
        reply = { code: 0, msg: 'Success', data: agents.map((a) => ({ status: 1, queueName: ['q'], ...a })), total: agents.length };
      if (req.url === NX_AGENT_STATUS_PATH) {
        asked.push(body.userName);
        reply = { code: 0, msg: 'Success', data: status(body.userName) };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new NxClient(
    NxSourceSchema.parse({
      vendor: 'nxcloud',
      id: 'nx',
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      secretId: 's',
      tenantId: 144,
      http: { retries: 0, timeoutMs: 2_000 },
    }),
    { accessKey: 'k', accessSecret: 's' },
  );
  opened.push(async () => {
    await client.close();
    await new Promise((r) => server.close(r));
  });
  return { client, asked };
}
const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((close) => close()));
});

const idle = { busyDuration: 0, wrapupDuration: 0, idleDuration: 60, callingDuration: 0, ringingDuration: 0 };
const meal = { ...idle, idleDuration: 0, eatingDuration: 60 };

describe('status/info: what an (almost) empty or over-full window means', () => {
  it('no time reported in the window is unknown, not offline: nothing documented says "not signed in"', () => {
    expect(inferNxState({ eatingDuration: 0, idleDuration: 0, busyDuration: 0 }, 60)).toBeUndefined();
    expect(inferNxState({}, 60)).toBeUndefined();
    // a window less than half written says too little
    expect(inferNxState({ eatingDuration: 20 }, 60)).toBeUndefined();
  });

  it('statistics lagging by seconds still tell the state: judged by the time reported', () => {
    expect(inferNxState({ eatingDuration: 45 }, 60)).toMatchObject({ state: 'break', vendorState: 'eating' });
    expect(inferNxState({ eatingDuration: 30, idleDuration: 15 }, 60)).toMatchObject({ state: 'break', vendorState: 'eating' });
    expect(inferNxState({ eatingDuration: 22, idleDuration: 23 }, 60)).toMatchObject({ state: 'idle', vendorState: 'idle' });
  });

  it('durations of one state add up: a break that moves from eating to wc stays a break, ringing then calling stays busy', () => {
    // the majority decides: a switch from calling to wrap-up is busy, then wrap-up, never "mixed"
    expect(inferNxState({ callingDuration: 33, wrapupDuration: 27 }, 60)).toMatchObject({ state: 'busy', vendorState: 'calling' });
    // a new state began as long ago as it lasted in the window (not a whole window ago)
    expect(inferNxState({ idleDuration: 20, eatingDuration: 40 }, 60)).toEqual({ state: 'break', vendorState: 'eating', secs: 40 });
    expect(inferNxState({ callingDuration: 20, wrapupDuration: 20, idleDuration: 20 }, 60)).toMatchObject({
      state: 'other',
      vendorState: 'mixed',
    });
    expect(inferNxState({ eatingDuration: 30, wcDuration: 30 }, 60)).toMatchObject({ state: 'break' });
    expect(inferNxState({ ringingDuration: 15, callingDuration: 45 }, 60)).toMatchObject({ state: 'busy', vendorState: 'calling' });
  });

  it('a meal break whose latest window is not written yet keeps its alert open (adapter + planner)', async () => {
    let now = T;
    let data: unknown = meal;
    const { client } = await nxTenant([{ userName: 'ann@x.com', sipNumber: 'NX00001' }], () => data);
    const rules = [AgentRuleSchema.parse({ id: 'long-break', states: ['break'], after: '30m' })];
    const episodes = new Map<string, Episode>();
    let previous = planAgents({ now, source: 'nx', observed: [], previous: [], episodes, rules, silences: [], open: true }).agents;
    const kinds: string[] = [];
    for (let i = 0; i <= 42; i++, now += MIN) {
      if (i === 41) data = { eatingDuration: 0, idleDuration: 0, busyDuration: 0 };
      const read = await client.readAgents(now);
      const plan = planAgents({
        now,
        source: 'nx',
        observed: read.agents,
        unreported: new Set(read.unreported),
        previous,
        episodes,
        rules,
        silences: [],
        open: true,
      });
      for (const s of plan.steps) {
        episodes.set(s.next.episodeId, s.next);
        kinds.push(s.kind);
      }
      previous = plan.agents;
    }
    expect(kinds).toEqual(['fired']);
    expect(previous).toMatchObject([{ agentId: 'ann@x.com', state: 'break', missed: 2 }]);
  });

  it('durations adding up to more than the window (not clipped to it) are refused, not trusted', () => {
    // 40 minutes of idle reported in a 60 s window, then 50 s of break: clipped, idle would win
    expect(inferNxState({ idleDuration: 2400, eatingDuration: 50 }, 60)).toBeUndefined();
    expect(inferNxState({ eatingDuration: 2400 }, 60)).toBeUndefined();
    // a second of rounding per state is no overflow
    expect(inferNxState({ idleDuration: 31, eatingDuration: 30 }, 60)).toMatchObject({ state: 'idle', vendorState: 'idle' });
    expect(inferNxState({ eatingDuration: 61 }, 60)).toMatchObject({ state: 'break', vendorState: 'eating' });
  });

  it('rest kinds are break, those the vendor adds later ("more rest kinds may follow") too', () => {
    for (const kind of ['meeting', 'eating', 'wc', 'prayer'])
      expect(inferNxState({ [`${kind}Duration`]: 60 }, 60)).toMatchObject({ state: 'break', vendorState: kind });
    // a field that were a login time would overflow the window: unknown, never a made-up state
    expect(inferNxState({ loginDuration: 3600, idleDuration: 60 }, 60)).toBeUndefined();
    expect(inferNxState({ constructor: 60, toString: 60 } as never, 60)).toBeUndefined();
  });

  it('a later rest kind in another shape neither fails the read nor counts', async () => {
    const { client } = await nxTenant([{ userName: 'a' }], () => ({ ...idle, loginDuration: 'since 08:00' }));
    expect((await client.readAgents(T)).agents).toMatchObject([{ agentId: 'a', state: 'idle' }]);
  });
});

describe('status/info: one agent without a record', () => {
  it('data null or [] makes that agent unreported; the rest of the tenant reads normally', async () => {
    const answers: Record<string, unknown> = { a: meal, b: null, c: [], d: [null], e: {} };
    const { client } = await nxTenant(
      Object.keys(answers).map((userName) => ({ userName })),
      (u) => answers[u],
    );
    const read = await client.readAgents(T);
    expect(read.agents.map((a) => [a.agentId, a.state])).toEqual([['a', 'break']]);
    expect(read.unreported.sort()).toEqual(['b', 'c', 'd', 'e']);
  });

  it('a record of the wrong type is still a schema error for the source', async () => {
    const { client } = await nxTenant([{ userName: 'a' }, { userName: 'b' }], (u) =>
      u === 'b' ? { ...idle, idleDuration: 'busy' } : idle,
    );
    const err = await client.readAgents(T).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ kind: 'schema' });
    expect((err as Error).message).toContain('data.idleDuration');
    const words = await nxTenant([{ userName: 'a' }], () => 'busy');
    await expect(words.client.readAgents(T)).rejects.toMatchObject({ kind: 'schema' });
  });
});

describe('result codes', () => {
  it.each([1000, 1001, 1003, 1005, 1006, 1009])('%s, in the documented "1000~100X Authentication failed" range, is auth', (code) => {
    expect(nxError('nx', code, 'x', 'agent/page').kind).toBe('auth');
  });
  it('the range keeps its finer kinds (1002 config, 1004 clock); codes outside it stay request errors', () => {
    expect([1002, 1004, 1010, 999, 7].map((c) => nxError('nx', c, 'x', 'agent/page').kind)).toEqual([
      'config',
      'clock',
      'request',
      'request',
      'request',
    ]);
  });
});

describe('agent identity: sipNumber is unique, userName is not said to be', () => {
  // the vendor's own example answer: two accounts, one userName, two SIP numbers
  const example = [
    { userName: 'Email@nxcloud.com', sipNumber: 'NX00001' },
    { userName: 'Email@nxcloud.com', sipNumber: 'NX00002' },
  ];

  it("the vendor's example listing is complete, not 'incomplete' forever; a unique userName keeps its id", async () => {
    const { client, asked } = await nxTenant([...example, { userName: 'bob@x.com', sipNumber: 'NX00003' }], (u) =>
      u === 'bob@x.com' ? idle : { ...meal, userName: u, sipNumber: 'NX00002' },
    );
    const read = await client.readAgents(T);
    expect(read.agents.map((a) => [a.agentId, a.state])).toEqual([
      ['Email@nxcloud.com#NX00002', 'break'],
      ['bob@x.com', 'idle'],
    ]);
    // the answer for the shared name names NX00002: the other account's state is unknown
    expect(read.unreported).toEqual(['Email@nxcloud.com#NX00001']);
    // status/info is asked by userName: once per name
    expect(asked.sort()).toEqual(['Email@nxcloud.com', 'bob@x.com']);
  });

  it('a shared name answered by one record per SIP account, or by a record naming none', async () => {
    const both = await nxTenant(example, () => [
      { ...idle, sipNumber: 'NX00001' },
      { ...meal, sipNumber: 'NX00002' },
    ]);
    expect((await both.client.readAgents(T)).agents.map((a) => [a.agentId, a.state])).toEqual([
      ['Email@nxcloud.com#NX00001', 'idle'],
      ['Email@nxcloud.com#NX00002', 'break'],
    ]);
    const anonymous = await nxTenant(example, () => meal);
    expect(await anonymous.client.readAgents(T)).toEqual({
      agents: [],
      unreported: ['Email@nxcloud.com#NX00001', 'Email@nxcloud.com#NX00002'],
    });
  });

  it('an account switched off does not change the id of the one watched under the same userName', async () => {
    const { client } = await nxTenant(
      [
        { userName: 'ann@x.com', sipNumber: 'NX00001' },
        { userName: 'ann@x.com', sipNumber: 'NX00002', status: 0 },
      ],
      () => meal,
    );
    // ann keeps the id her alerts, silences and stored state name
    expect((await client.readAgents(T)).agents.map((a) => [a.agentId, a.state])).toEqual([['ann@x.com', 'break']]);
  });

  it("a record naming another agent's SIP account is not this agent's", async () => {
    const { client } = await nxTenant([{ userName: 'a', sipNumber: 'NX00001' }], () => ({ ...meal, sipNumber: 'NX00009' }));
    expect(await client.readAgents(T)).toEqual({ agents: [], unreported: ['a'] });
  });
});

describe("agent/page's enable flag", () => {
  it('only status 0 turns an account out: one listed with the flag null is still watched, not dropped with its alerts', async () => {
    const { client, asked } = await nxTenant(
      [
        { userName: 'on@x.com', sipNumber: 'NX1' },
        { userName: 'null@x.com', sipNumber: 'NX2', status: null },
        { userName: 'off@x.com', sipNumber: 'NX3', status: 0 },
      ],
      () => meal,
    );
    const read = await client.readAgents(T);
    expect(read.agents.map((a) => a.agentId).sort()).toEqual(['null@x.com', 'on@x.com']);
    expect(asked.sort()).toEqual(['null@x.com', 'on@x.com']);
  });
});

describe('agent/page userName', () => {
  it('as the id and the name (no nickName) is cleaned like any vendor text: no line break or bidi override reaches a message', async () => {
    const { client, asked } = await nxTenant([{ userName: 'eve\nRESOLVED (1)\u202E@x.com', sipNumber: 'NX1' }], () => meal);
    const [agent] = (await client.readAgents(T)).agents;
    expect([agent!.agentId, agent!.name]).toEqual(['eve RESOLVED (1)@x.com', 'eve RESOLVED (1)@x.com']);
    // the vendor is still asked about the account by the login it sent
    expect(asked).toEqual(['eve\nRESOLVED (1)\u202E@x.com']);
  });

  it('one longer than any address is refused, naming the field, not stored as an id', async () => {
    const { client } = await nxTenant([{ userName: `${'x'.repeat(400)}@x.com`, sipNumber: 'NX1' }], () => meal);
    const err = await client.readAgents(T).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).kind).toBe('schema');
    expect((err as SourceError).message).toMatch(/userName/);
  });
});
