import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { handleAckRequest } from '#shared/ack/http';
import { ackLinkMaker } from '#shared/ack/link';
import { signAckToken } from '#shared/ack/token';
import { SnsPublisher } from '#shared/notify/publishers';
import { runAgentStatus } from '#shared/run/agent-status';
import { buildCli, ccwatch } from '../support/cli';
import { type Harness, makeHarness, TOPICS } from '../support/harness';

const MIN = 60_000;
const KEY = 'test-signing-key-'.repeat(4);
const RULE = { id: 'long-break', states: ['break'], after: '15m', repeatEvery: '10m', escalateIfNotAckedAfter: '20m' };

describe('the on-call loop', () => {
  let h: Harness;
  let sns: SNSClient;
  let stateOpts: string[];
  /** State options plus the test's clock: acknowledgments happen on it, like the runs. */
  const state = () => [...stateOpts, '--now', new Date(h.clock.now()).toISOString()];
  const runAt = async (minute: number) => {
    h.clock.set(h.clock.start + minute * MIN);
    const deps = {
      store: h.store,
      publisher: new SnsPublisher(sns, TOPICS),
      readers: h.readers,
      log: h.log,
      ackLink: ackLinkMaker('https://ack.example/', KEY, h.clock.now()),
    };
    await runAgentStatus(h.config, new Date(h.clock.now()).toISOString(), h.clock.now(), deps);
    return h.take();
  };
  const statuses = (msgs: ReturnType<Harness['take']>) =>
    msgs
      .filter((m) => m.topicArn === TOPICS.supervisors)
      .map((m) => m.subject!.replace(/^\[ccwatch supervisors\] \w+: /, '').split(' - ')[0]);
  const idIn = (msgs: ReturnType<Harness['take']>, name: string) =>
    msgs
      .map((m) => m.bodies!.email!)
      .join('\n')
      .match(new RegExp(`^${name} · .*\\n(?: {2}.*\\n)*? {2}Alert (\\w{6})`, 'm'))![1]!;

  beforeAll(async () => {
    await buildCli();
    h = await makeHarness({
      config: (url) => ({
        agentRules: [RULE],
        sources: [{ id: 'hw-main', vendor: 'huawei', baseUrl: url, secretId: 'test/huawei', ccId: 1, vdn: 170, agentIds: ['1001-1005'] }],
      }),
    });
    sns = new SNSClient({ endpoint: h.sns.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    stateOpts = ['--ddb-endpoint', inject('ddbEndpoint'), '--table', h.store.tableName];
  });
  afterAll(async () => {
    sns.destroy();
    await h.stop();
  });

  it('every alert carries a short id in email and SMS, and a signed acknowledge link in the email', async () => {
    h.sim.setState('huawei', '1001', h.clock.start, 'break');
    h.sim.setState('huawei', '1002', h.clock.start, 'break');
    const msgs = await runAt(15);
    const email = msgs[0]!.bodies!.email!;
    expect(email).toMatch(/ {2}Alert \w{6}, acknowledge or snooze: https:\/\/ack\.example\/\?t=[\w-]+\.[\w-]+/);
    expect(msgs[0]!.bodies!.sms).toMatch(/\[\w{6}\]/);
  });

  it('ccwatch ack stops repeats and the escalation; the unacknowledged alert escalates on time', async () => {
    const msgs = h.sns.published.slice(-1);
    const acked = idIn(msgs, '1001');
    const res = await ccwatch(['ack', acked, '--by', 'Ann', ...state()]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`${acked}: agent 1001 on hw-main, rule long-break`);
    expect(res.stdout).toContain('acknowledged by Ann until it resolves');
    // repeat due at 25 for both; only 1002 (not acked) repeats
    expect(statuses(await runAt(25))).toEqual(['1 repeat']);
    // escalation-if-not-acked at 35: only 1002
    const at35 = await runAt(35);
    expect(at35.find((m) => m.topicArn === TOPICS.oncall)!.bodies!.sms).toMatch(/^CRIT 1 open: 1002 break 35m/);
    const list = await ccwatch(['alerts', ...stateOpts]);
    expect(list.stdout).toMatch(new RegExp(`${acked}  tier 1  agent 1001 .* acked by Ann`));
    expect(list.stdout).toMatch(/tier 2 {2}agent 1002 .* not acknowledged/);
  });

  it('acknowledged alerts still resolve, and history tells the whole story', async () => {
    const acked = (await h.store.episodes.openEpisodes()).find((e) => e.subjectId === '1001')!.episodeId;
    h.sim.setState('huawei', '1001', h.clock.start + 39 * MIN, 'idle');
    expect(statuses(await runAt(40))).toEqual(['1 resolved']);
    const hist = await ccwatch(['history', acked, ...stateOpts]);
    expect(hist.code).toBe(0);
    const events = hist.stdout
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s{2,}/)[1]);
    expect(events).toEqual(['fired', 'notified', 'acked', 'resolved', 'notified', undefined]);
    expect(hist.stdout).toMatch(/acked {2}by Ann/);
    expect(hist.stdout).toMatch(/notified {2}warning to supervisors/);
    // a resolved alert cannot be acknowledged: refused, nothing changes
    const late = await ccwatch(['ack', acked, ...state()]);
    expect(late.code).toBe(2);
    expect(late.stderr).toMatch(/resolved .* nothing to acknowledge/);
  });

  it('snooze and un-snooze from the CLI', async () => {
    const id = (await h.store.episodes.openEpisodes()).find((e) => e.subjectId === '1002')!.episodeId;
    const snoozed = await ccwatch(['ack', id, '--for', '30m', '--by', 'Bo', ...state()]);
    expect(snoozed.stdout).toMatch(/snoozed by Bo until/);
    expect(await runAt(45)).toEqual([]);
    expect((await ccwatch(['unack', id, '--by', 'Bo', ...state()])).stdout).toMatch(/no longer acknowledged/);
    expect(statuses(await runAt(46))).toEqual(['1 repeat']);
  });

  describe('the acknowledge link', () => {
    let id: string;
    const now = () => h.clock.now();
    const token = (over: Partial<{ episodeId: string; source: string; expiresAt: number }> = {}) =>
      signAckToken(KEY, { episodeId: id, source: 'hw-main', expiresAt: now() + 3600_000, ...over });
    const get = (t?: string) =>
      handleAckRequest({ method: 'GET', query: t ? { t } : {}, form: {} }, { store: h.store, key: KEY, now: now() });
    const post = (form: Record<string, string>) =>
      handleAckRequest({ method: 'POST', query: {}, form }, { store: h.store, key: KEY, now: now() });
    const episode = async () => (await h.store.episodes.findEpisode(id))[0]!.episode;

    beforeAll(async () => {
      h.sim.setState('huawei', '1003', h.clock.now() - 20 * MIN, 'break');
      await runAt(47);
      id = (await h.store.episodes.openEpisodes()).find((e) => e.subjectId === '1003')!.episodeId;
    });

    it('opening it shows the alert and asks; it changes nothing by itself', async () => {
      const before = await episode();
      const page = await get(token());
      expect(page.status).toBe(200);
      expect(page.html).toContain(`Alert ${id}`);
      expect(page.html).toContain('agent 1003 on hw-main, rule long-break');
      expect(page.html).toContain('<form method="post">');
      expect(await episode()).toEqual(before);
    });

    it('no token, a tampered one or an expired one is refused, and nothing changes', async () => {
      const before = await episode();
      expect((await get()).status).toBe(403);
      expect((await get(token({ episodeId: 'ZZZZZ' }).replace(/^[^.]+/, token().split('.')[0]!.slice(0, -2) + 'AA'))).status).toBe(403);
      const other = signAckToken('another-key-'.repeat(4), { episodeId: id, source: 'hw-main', expiresAt: now() + 3600_000 });
      expect((await post({ t: other, by: 'Mallory' })).status).toBe(403);
      const expired = await post({ t: token({ expiresAt: now() - 1 }), by: 'Ann' });
      expect(expired.status).toBe(410);
      expect(expired.html).toContain('expired');
      expect(await episode()).toEqual(before);
    });

    it('confirming acknowledges or snoozes, and the page says what was done', async () => {
      expect((await post({ t: token(), by: '' })).status).toBe(400);
      const res = await post({ t: token(), by: 'Cy', for: '30m' });
      expect(res.status).toBe(200);
      expect(res.html).toMatch(new RegExp(`Alert ${id} is snoozed by Cy until \\d\\d:\\d\\d UTC`));
      expect(await episode()).toMatchObject({ ackedBy: 'Cy', snoozeUntil: now() + 30 * MIN });
      expect((await post({ t: token(), by: 'Cy', for: '5d' })).status).toBe(400);
    });

    it('a replay after the alert resolved is refused', async () => {
      const t = token();
      h.sim.setState('huawei', '1003', h.clock.now(), 'idle');
      await runAt(48);
      const before = await episode();
      expect(before.resolvedAt).toBeDefined();
      const replay = await post({ t, by: 'Cy' });
      expect(replay.status).toBe(409);
      expect(replay.html).toContain('already resolved');
      expect(await episode()).toEqual(before);
    });
  });
});
