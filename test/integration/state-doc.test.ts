import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AGENT_PARTS,
  AgentCodecError,
  type AgentSnapshotItem,
  decodeAgents,
  encodeAgents,
  RosterPartSchema,
  StatesPartSchema,
} from '#shared/store/agent-codec';
import { StateDocError, StateDocStore } from '#shared/store/state-doc';
import { createTableInput } from '#shared/store/table';
import { generateAgents } from '#simulator/population';

// near the real clock: load tells an expired head by it; reads carry milliseconds
const T = Math.floor(Date.now() / 1000) * 1000 + 123;
const DAY = 86_400_000;
const DOC = 'AGENTS';

/** A source's snapshot from the simulator's population, with states, runs and episodes spread over it. */
function snapshot(count: number, at = T): AgentSnapshotItem[] {
  return generateAgents({ count, t0: at, groups: ['sales', 'support', 'billing', 'vip'] }).map((sim, i) => {
    const kind = i % 7;
    const since = at - ((i * 7919) % 5400) * 1000 - (i % 3) * 17;
    const a: AgentSnapshotItem = {
      source: 'hw-main',
      agentId: sim.id,
      name: sim.name,
      groups: i % 11 === 0 ? [...sim.groups, 'vip'] : sim.groups,
      state: 'idle',
      vendorState: '1',
      since,
    };
    if (kind === 1 || kind === 2)
      Object.assign(a, { state: 'busy', vendorState: kind === 1 ? '3' : '7', run: { ruleId: 'long-call', since } });
    if (kind === 3) Object.assign(a, { state: 'wrapup', vendorState: '6', run: { ruleId: 'not-ready', since } });
    if (kind === 4)
      Object.assign(a, {
        state: 'break',
        vendorState: '8',
        reasonCode: '3',
        reason: 'Meal (3)',
        run: { ruleId: 'not-ready', since: since - 45_000 },
      });
    if (kind === 5) Object.assign(a, { state: 'offline', vendorState: '0' });
    if (kind === 4 && i % 5 === 0) a.episodeId = `K${String(i).padStart(5, '0')}`;
    if (i % 97 === 0) a.missed = i % 4;
    return a;
  });
}

/** The states change, as after one busy minute: every other agent moves on. */
function nextMinute(agents: AgentSnapshotItem[], now: number): AgentSnapshotItem[] {
  return agents.map((a, i) => {
    if (i % 2) return a;
    const { run: _r, episodeId: _e, reasonCode: _c, reason: _n, ...rest } = a;
    return a.state === 'busy'
      ? { ...rest, state: 'wrapup', vendorState: '6', since: now - 3000, run: { ruleId: 'not-ready', since: now - 3000 } }
      : { ...rest, state: 'busy', vendorState: '3', since: now - 1000 };
  });
}

describe('agent codec', () => {
  const roundTrip = (items: AgentSnapshotItem[]) => {
    const { roster, states } = JSON.parse(JSON.stringify(encodeAgents(items))) as ReturnType<typeof encodeAgents>;
    return decodeAgents(RosterPartSchema.parse(roster), StatesPartSchema.parse(states));
  };

  it('gives back a 10,000-agent snapshot exactly', () => {
    const agents = snapshot(10_000);
    expect(roundTrip(agents)).toStrictEqual(agents);
  });

  it('keeps an empty snapshot empty', () => {
    expect(roundTrip([])).toStrictEqual([]);
  });

  it('keeps edge cases exact: absent fields, unicode, odd times, group order', () => {
    const base: Pick<AgentSnapshotItem, 'source' | 'groups' | 'state' | 'vendorState'> = {
      source: 's',
      groups: ['a'],
      state: 'idle',
      vendorState: '1',
    };
    const agents: AgentSnapshotItem[] = [
      { ...base, agentId: '1', name: 'Ann', since: T },
      { ...base, agentId: '2', name: '王秀英', since: T - 999 },
      { ...base, agentId: '3', name: 'Zoë 👩🏽‍💼 O\u2019Brien', since: T - 1 },
      { ...base, agentId: '4', name: 'محمد', groups: [], since: T - 3_600_000.5 },
      { ...base, agentId: '5', name: '5', groups: ['b', 'a'], since: 0.1 + 0.2 },
      {
        ...base,
        agentId: '6',
        name: '',
        groups: ['a', 'b'],
        state: 'break',
        vendorState: '8',
        reasonCode: '9',
        since: T - 60_001,
        inferred: false,
      },
      {
        ...base,
        agentId: '7',
        name: 'x',
        groups: ['a', 'a'],
        state: 'other',
        vendorState: 'mixed',
        since: T + 5,
        inferred: true,
        run: { ruleId: 'r', since: T + 7 },
      },
      {
        ...base,
        agentId: '8',
        name: 'y',
        state: 'busy',
        vendorState: '3',
        since: T,
        run: { ruleId: 'r', since: T - 0.25 },
        episodeId: 'ABC234',
        missed: 0,
      },
      { ...base, agentId: '9', name: 'z', state: 'offline', vendorState: 'absent', reason: 'only a reason', since: -5_000, missed: 3 },
    ];
    expect(roundTrip(agents)).toStrictEqual(agents);
    // whole-second times need no millisecond column
    expect(encodeAgents([{ ...base, agentId: '1', name: 'A', since: T - 123 }]).states.sinceMs).toBeUndefined();
  });

  it('names the part and field of a damaged column, and refuses misaligned parts', () => {
    const { roster, states } = encodeAgents(snapshot(50));
    const bad = StatesPartSchema.safeParse({ ...states, vendorState: states.vendorState.map((v, i) => (i === 7 ? 99 : v)) });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/"vendorState",7/);
    expect(StatesPartSchema.safeParse({ ...states, sinceSec: [...states.sinceSec, 1] }).success).toBe(false);
    expect(RosterPartSchema.safeParse({ ...roster, agentId: roster.agentId.map((id, i) => (i === 3 ? 3 : id)) }).success).toBe(false);
    expect(() => decodeAgents(roster, encodeAgents(snapshot(49)).states)).toThrow(/states\.rows: 49 rows, but roster\.agentId has 50/);
    expect(() => encodeAgents([...snapshot(2), { ...snapshot(1)[0]!, source: 'other' }])).toThrow(AgentCodecError);
  });
});

describe('state document store on DynamoDB Local', () => {
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  let table: string;
  const newStore = () => new StateDocStore(doc, table);
  let n = 0;
  const pk = () => `SRC#test-${++n}`;

  beforeAll(async () => {
    client = new DynamoDBClient({
      endpoint: inject('ddbEndpoint'),
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    doc = DynamoDBDocumentClient.from(client);
    table = `ccwatch-test-${randomBytes(4).toString('hex')}`;
    await client.send(new CreateTableCommand(createTableInput(table)));
  });
  afterAll(() => client.destroy());

  const items = async (key: string) =>
    (await doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': key } })))
      .Items ?? [];
  const headItem = async (key: string) =>
    (await doc.send(new GetCommand({ TableName: table, Key: { pk: key, sk: `${DOC}#HEAD` } }))).Item as Record<string, unknown>;
  const chunkKeys = async (key: string) => (await items(key)).map((i) => String(i.sk)).filter((sk) => sk.includes('#C#'));

  it('saves and loads a 10,000-agent snapshot exactly, in items well under the size limit', async () => {
    const key = pk();
    const agents = snapshot(10_000);
    expect(await newStore().load(key, DOC)).toBeUndefined();
    expect(await newStore().save(key, DOC, undefined, { source: 'hw-main', tick: '09:00' }, encodeAgents(agents), T)).toBe(true);
    const loaded = await newStore().load(key, DOC, { parts: AGENT_PARTS });
    expect(loaded?.version).toBe(1);
    expect(loaded?.meta).toEqual({ source: 'hw-main', tick: '09:00' });
    expect(decodeAgents(loaded!.parts.roster, loaded!.parts.states)).toStrictEqual(agents);
    const stored = await items(key);
    expect(stored.length).toBeGreaterThan(1);
    for (const item of stored) expect(itemBytes(item)).toBeLessThan(item.sk.includes('#C#') ? 310_000 : 4_000);
  });

  it('splits a large part into several chunks and reassembles it', async () => {
    const key = pk();
    // base64 of random bytes packs to its 6 bits a character: about 700 KB, so three chunks
    const blob = randomBytes(700_000).toString('base64');
    expect(await newStore().save(key, 'BLOB', undefined, null, { blob, small: { x: 1 } }, T)).toBe(true);
    const chunks = (await items(key)).filter((i) => i.sk.includes('#C#'));
    expect(chunks.map((c) => (c.data as Uint8Array).length <= 300_000)).toEqual([true, true, true]);
    const loaded = await newStore().load(key, 'BLOB');
    expect(loaded?.parts).toEqual({ blob, small: { x: 1 } });
  });

  it('lets exactly one of two writers from the same version win; the loser leaves nothing visible', async () => {
    const key = pk();
    const agents = snapshot(2_000);
    await newStore().save(key, DOC, undefined, { tick: 1 }, encodeAgents(agents), T);
    const [a, b] = [newStore(), newStore()];
    const [docA, docB] = [await a.load(key, DOC), await b.load(key, DOC)];
    const partsA = encodeAgents(nextMinute(agents, T + 60_000));
    const partsB = encodeAgents(nextMinute(nextMinute(agents, T + 60_000), T + 61_000));
    const won = await Promise.all([
      a.save(key, DOC, docA!.version, { tick: 'A' }, partsA, T + 60_000),
      b.save(key, DOC, docB!.version, { tick: 'B' }, partsB, T + 61_000),
    ]);
    expect(won.filter(Boolean)).toHaveLength(1);
    const after = await newStore().load(key, DOC, { parts: AGENT_PARTS });
    expect(after?.version).toBe(2);
    expect(after).toEqual(won[0] ? { version: 2, meta: { tick: 'A' }, parts: partsA } : { version: 2, meta: { tick: 'B' }, parts: partsB });
    // a second create is refused too
    expect(await newStore().save(key, DOC, undefined, { tick: 'C' }, partsA, T + 62_000)).toBe(false);
  });

  it('refuses a meta that would bloat the head before writing anything', async () => {
    const key = pk();
    await expect(newStore().save(key, DOC, undefined, { notes: 'x'.repeat(70_000) }, encodeAgents(snapshot(1_000)), T)).rejects.toThrow(
      /head would be \d+ bytes/,
    );
    expect(await items(key)).toEqual([]);
  });

  it('writes only what changed: a states-only save costs far less than the first, an unchanged one only the head', async () => {
    const key = pk();
    const agents = snapshot(10_000);
    const store = newStore();
    const first = await metered(store, () => store.save(key, DOC, undefined, {}, encodeAgents(agents), T));
    const loaded = await store.load(key, DOC);
    const chunksBefore = await chunkKeys(key);
    const statesOnly = await metered(store, () =>
      store.save(key, DOC, loaded!.version, {}, encodeAgents(nextMinute(agents, T + 60_000)), T + 60_000),
    );
    const unchanged = await metered(store, () => store.save(key, DOC, 2, {}, encodeAgents(nextMinute(agents, T + 60_000)), T + 120_000));
    expect(first).toBeGreaterThan(10);
    expect(statesOnly).toBeLessThan(first * 0.7);
    expect(unchanged).toBeLessThanOrEqual(1);
    // the roster's chunks were kept, the new states added beside them
    const chunksAfter = await chunkKeys(key);
    expect(chunksAfter.filter((sk) => chunksBefore.includes(sk)).length).toBe(chunksBefore.length);
    // a store that just saved needs only the head to load again
    expect(await metered(store, () => store.load(key, DOC), 'read')).toBeLessThanOrEqual(1);
  });

  describe('one part alone (the publisher and its outbox)', () => {
    /** The tick's full document: the agents, their open episodes and a small outbox. */
    const fullDoc = (agents: AgentSnapshotItem[], outbox: unknown[]) => ({
      ...encodeAgents(agents),
      episodes: agents.filter((a) => a.episodeId).map((a) => ({ episodeId: a.episodeId, agentId: a.agentId, openedAt: a.since })),
      outbox,
    });
    const outbox = (n: number, tag = 'a') =>
      Array.from({ length: n }, (_, i) => ({ id: `E${i}-${tag}`, channels: ['sns', 'teams'], at: T + i }));
    const keep = { keepOthers: true } as const;

    it('reads and rewrites the outbox alone; a full load still returns every part intact', async () => {
      const key = pk();
      const agents = snapshot(10_000);
      const full = fullDoc(agents, outbox(3));
      const writer = newStore();
      const [created, fullWrite] = await withCost(writer, () => writer.save(key, DOC, undefined, { tick: 1 }, full, T));
      expect(created).toBe(true);
      const [, fullRead] = await withCost(newStore(), (s) => s.load(key, DOC), 'read');

      // a cold process reads the head and nothing else
      const publisher = newStore();
      const [only, onlyRead] = await withCost(publisher, (s) => s.load(key, DOC, { only: ['outbox'] }), 'read');
      const headBefore = itemBytes(await headItem(key));
      // roster and states pack to some 20 KB, so a full read is a few units; the head alone is one
      expect(onlyRead).toBeLessThanOrEqual(Math.ceil(headBefore / 4096));
      expect(onlyRead * 3).toBeLessThanOrEqual(fullRead);
      expect(only).toEqual({ version: 1, meta: { tick: 1 }, parts: { outbox: full.outbox } });
      expect(Object.keys(only!.parts)).toEqual(['outbox']);
      // a chunked part alone costs its own chunks, checked by its schema
      const [states, statesRead] = await withCost(newStore(), (s) => s.load(key, DOC, { only: ['states'], parts: AGENT_PARTS }), 'read');
      expect(states?.parts).toEqual({ states: full.states });
      expect(statesRead).toBeLessThan(fullRead);
      await expect(newStore().load(key, DOC, { only: ['outbox', 'nope'] })).rejects.toThrow(
        new StateDocError(`state document ${key} / ${DOC}#HEAD has no part "nope"`),
      );

      // it rewrites the head alone: the other parts' chunks are not written, nor re-dated
      const chunksBefore = await items(key).then((all) => all.filter((i) => i.sk.includes('#C#')));
      const next = outbox(1, 'b');
      const [won, keptWrite] = await withCost(publisher, (s) => s.save(key, DOC, 1, { tick: 1 }, { outbox: next }, T + 60_000, keep));
      expect(won).toBe(true);
      // a put pays for the larger of the old and new item
      expect(keptWrite).toBeLessThanOrEqual(Math.ceil(Math.max(headBefore, itemBytes(await headItem(key))) / 1024));
      expect(keptWrite).toBeLessThan(fullWrite / 5);
      expect(await items(key).then((all) => all.filter((i) => i.sk.includes('#C#')))).toEqual(chunksBefore);
      // the head still expires with the oldest chunk it refers to, a kept one
      expect((await headItem(key)).expiresAt).toBe(Math.floor(T / 1000) + 7 * 86_400 - 3600);

      const after = await newStore().load(key, DOC, { parts: AGENT_PARTS });
      expect(after).toEqual({ version: 2, meta: { tick: 1 }, parts: { ...full, outbox: next } });
      expect(decodeAgents(after!.parts.roster, after!.parts.states)).toStrictEqual(agents);

      // a full save from the publisher, its other parts unchanged, finds their chunks stored and fresh
      const [again, againWrite] = await withCost(publisher, (s) => s.save(key, DOC, 2, { tick: 2 }, after!.parts, T + 120_000));
      expect(again).toBe(true);
      expect(againWrite).toBeLessThanOrEqual(keptWrite);
      expect(await chunkKeys(key)).toEqual(chunksBefore.map((i) => i.sk));
    });

    it('moves an inline part to a chunk when the head would pass 1 KB and that costs the save no more: the record then costs one unit', async () => {
      const key = pk();
      // random text does not compress: each part packs to about 3/4 of its length
      const text = (n: number) => randomBytes(n).toString('base64').slice(0, n);
      const base = { big: text(4_000), states: text(480), episodes: text(200) };
      const store = newStore();
      expect(await store.save(key, DOC, undefined, {}, { ...base, outbox: [] }, T)).toBe(true);
      const quiet = await headItem(key);
      const inline = (h: Record<string, unknown>) =>
        Object.entries(h.parts as Record<string, { data?: unknown }>)
          .filter(([, e]) => e.data)
          .map(([p]) => p)
          .sort();
      expect(inline(quiet)).toEqual(['episodes', 'outbox', 'states']);
      // the alert tick: the states change and the outbox gets a step; all inline, the head would be two units
      const next = { ...base, states: text(480), outbox: [{ id: 'K1#1', channels: ['sns'], notice: text(400) }] };
      const alertWrite = await metered(store, () => store.save(key, DOC, 1, {}, next, T + 60_000));
      expect(alertWrite).toBe(2);
      expect(inline(await headItem(key))).toEqual(['episodes', 'outbox']);
      // the publisher's record rewrites a head under 1 KB
      const publisher = newStore();
      await publisher.load(key, DOC, { only: ['outbox'] });
      const recordWrite = await metered(publisher, () => publisher.save(key, DOC, 2, {}, { outbox: [] }, T + 61_000, keep));
      expect(recordWrite).toBe(1);
      expect(await newStore().load(key, DOC)).toEqual({ version: 3, meta: {}, parts: { ...next, outbox: [] } });
      // the next quiet save brings the states back inline: one unit, as before
      await store.load(key, DOC);
      const quietWrite = await metered(store, () => store.save(key, DOC, 3, {}, { ...next, states: text(480), outbox: [] }, T + 120_000));
      expect(quietWrite).toBe(1);
      expect(inline(await headItem(key))).toEqual(['episodes', 'outbox', 'states']);
    });

    it('refuses to keep parts of a version the store has not loaded or saved', async () => {
      const key = pk();
      const full = fullDoc(snapshot(1_000), outbox(2));
      await newStore().save(key, DOC, undefined, {}, full, T);
      const save = (store: StateDocStore, prev: number | undefined) => store.save(key, DOC, prev, {}, { outbox: [] }, T + 1000, keep);
      await expect(save(newStore(), 1)).rejects.toThrow(StateDocError);
      await expect(save(newStore(), undefined)).rejects.toThrow(/cannot keep the other parts of version \(none\)/);

      const stale = newStore();
      await stale.load(key, DOC, { only: ['outbox'] });
      const mover = newStore();
      await mover.load(key, DOC);
      expect(await mover.save(key, DOC, 1, {}, { ...full, outbox: outbox(1, 'm') }, T + 500)).toBe(true);
      await expect(save(stale, 2)).rejects.toThrow(
        new StateDocError(
          `state document ${key} / ${DOC}#HEAD: cannot keep the other parts of version 2: this store has not loaded or saved it`,
        ),
      );
      // its own version lost the flip; having lost, it no longer claims to know any version
      expect(await save(stale, 1)).toBe(false);
      await expect(save(stale, 1)).rejects.toThrow(StateDocError);
      expect(await newStore().load(key, DOC)).toEqual({ version: 2, meta: {}, parts: { ...full, outbox: outbox(1, 'm') } });
    });

    it('lets exactly one of two outbox writers from the same version win', async () => {
      const key = pk();
      const full = fullDoc(snapshot(2_000), outbox(4));
      await newStore().save(key, DOC, undefined, { tick: 1 }, full, T);
      const [a, b] = [newStore(), newStore()];
      await Promise.all([a.load(key, DOC, { only: ['outbox'] }), b.load(key, DOC, { only: ['outbox'] })]);
      const [outA, outB] = [outbox(2, 'A'), outbox(3, 'B')];
      const won = await Promise.all([
        a.save(key, DOC, 1, { tick: 1 }, { outbox: outA }, T + 1000, keep),
        b.save(key, DOC, 1, { tick: 1 }, { outbox: outB }, T + 1000, keep),
      ]);
      expect(won.filter(Boolean)).toHaveLength(1);
      const after = await newStore().load(key, DOC);
      expect(after).toEqual({ version: 2, meta: { tick: 1 }, parts: { ...full, outbox: won[0] ? outA : outB } });
    });
  });

  it('rewrites chunks near expiry, and treats a document nobody saved for a week as gone', async () => {
    const key = pk();
    const parts = encodeAgents(snapshot(5_000));
    const store = newStore();
    await store.save(key, DOC, undefined, {}, parts, T);
    const ttlOf = async (sk: string) =>
      (await doc.send(new GetCommand({ TableName: table, Key: { pk: key, sk } }))).Item?.expiresAt as number;
    const [chunk] = await chunkKeys(key);
    const ttl0 = await ttlOf(chunk!);
    expect(ttl0).toBe(Math.floor(T / 1000) + 7 * 86_400);
    const soon = await metered(store, () => store.save(key, DOC, 1, {}, parts, T + DAY));
    expect(await ttlOf(chunk!)).toBe(ttl0);
    const later = await metered(store, () => store.save(key, DOC, 2, {}, parts, T + 3 * DAY));
    expect(later).toBeGreaterThan(soon);
    expect(await ttlOf(chunk!)).toBe(Math.floor((T + 3 * DAY) / 1000) + 7 * 86_400);
    // a week after the last save the head counts as absent, and a new document may replace it
    expect(await newStore().load(key, DOC, { now: T + 3 * DAY + 6 * DAY })).toBeDefined();
    expect(await newStore().load(key, DOC, { now: T + 3 * DAY + 7 * DAY })).toBeUndefined();
    expect(await newStore().save(key, DOC, undefined, {}, parts, T + 3 * DAY + 7 * DAY)).toBe(true);
  });

  it('names the key of a damaged or missing chunk, a damaged head and a damaged part', async () => {
    const key = pk();
    await newStore().save(key, DOC, undefined, {}, encodeAgents(snapshot(10_000)), T);
    const [first, second] = await chunkKeys(key);
    const item = (await doc.send(new GetCommand({ TableName: table, Key: { pk: key, sk: first } }))).Item!;
    const data = Uint8Array.from(item.data as Uint8Array);
    data[100] = data[100]! ^ 0xff;
    await doc.send(new PutCommand({ TableName: table, Item: { ...item, data } }));
    await expect(newStore().load(key, DOC)).rejects.toThrow(
      new StateDocError(`state document chunk ${key} / ${first} is damaged: its data does not match its hash`),
    );
    await doc.send(new DeleteCommand({ TableName: table, Key: { pk: key, sk: second } }));
    await doc.send(new PutCommand({ TableName: table, Item: item }));
    await expect(newStore().load(key, DOC)).rejects.toThrow(
      `state document ${key} / ${DOC}#HEAD refers to missing chunk ${key} / ${second}`,
    );

    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: key, sk: `${DOC}#HEAD` },
        UpdateExpression: 'SET version = :v',
        ExpressionAttributeValues: { ':v': 'two' },
      }),
    );
    await expect(newStore().load(key, DOC)).rejects.toThrow(new RegExp(`state document ${key} / ${DOC}#HEAD is damaged: version: `));

    const other = pk();
    const { roster, states } = encodeAgents(snapshot(100));
    await newStore().save(
      other,
      DOC,
      undefined,
      {},
      { roster, states: { ...states, reason: states.reason.map((r, i) => (i === 4 ? -1 : r)) } },
      T,
    );
    await expect(newStore().load(other, DOC, { parts: AGENT_PARTS })).rejects.toThrow(
      `state document ${other} / ${DOC}#HEAD is damaged: states.reason[4]: expected an integer`,
    );
  });
});

/** An item's size as DynamoDB counts it (names plus values; binary as its bytes). */
function itemBytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + itemBytes(v), 3);
  if (value && typeof value === 'object') return Object.entries(value).reduce((n, [k, v]) => n + Buffer.byteLength(k) + itemBytes(v), 3);
  return 21;
}

/** Capacity units one call consumed. */
async function metered(store: StateDocStore, fn: () => Promise<unknown>, kind: 'read' | 'write' = 'write'): Promise<number> {
  const before = store.meter[kind];
  await fn();
  return store.meter[kind] - before;
}

/** What one call returned and the capacity units it consumed. */
async function withCost<T>(
  store: StateDocStore,
  fn: (store: StateDocStore) => Promise<T>,
  kind: 'read' | 'write' = 'write',
): Promise<[T, number]> {
  const before = store.meter[kind];
  const out = await fn(store);
  return [out, store.meter[kind] - before];
}
