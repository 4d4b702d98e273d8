import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleAckRequest } from '#shared/ack/http';
import { signPageToken } from '#shared/ack/token';
import type { Episode } from '#shared/model/items';
import { type Harness, makeHarness } from '../support/harness';

const MIN = 60_000;
const KEY = 'open-page-test-key-'.repeat(3);

/** The open-alerts page's handler on its own: what a form may and may not do. */
describe('the open-alerts page handler', () => {
  let h: Harness;
  let warning: Episode;
  let critical: Episode;
  const now = () => h.clock.now();
  const token = (channel = 'supervisors', expiresAt = now() + 3600_000) => signPageToken(KEY, { channel, expiresAt });
  const get = (query: Record<string, string>, config = h.config) =>
    handleAckRequest({ method: 'GET', query, form: {} }, { store: h.store, key: KEY, now: now(), config });
  const post = (form: Record<string, string>) =>
    handleAckRequest({ method: 'POST', query: {}, form }, { store: h.store, key: KEY, now: now(), config: h.config });
  const form = (e: Episode, over: Record<string, string> = {}) => ({
    c: token(),
    e: e.episodeId,
    s: e.source,
    by: 'Ann',
    a: 'ack',
    ...over,
  });
  const stored = async (e: Episode) =>
    (await h.store.episodes.findEpisode(e.episodeId)).find((f) => f.episode.source === e.source)!.episode;

  beforeAll(async () => {
    h = await makeHarness({
      config: (url) => ({
        sources: [{ id: 'hw-main', vendor: 'huawei', baseUrl: url, secretId: 'test/huawei', ccId: 1, vdn: 170, agentIds: ['1001-1005'] }],
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m', escalateAfter: '40m' }],
      }),
    });
    h.sim.setState('huawei', '1001', h.clock.start, 'break');
    h.sim.setState('huawei', '1002', h.clock.start + 30 * MIN, 'break');
    h.clock.set(h.clock.start + 50 * MIN);
    await h.run();
    const open = await h.store.episodes.openEpisodes();
    critical = open.find((e) => e.subjectId === '1001')!;
    warning = open.find((e) => e.subjectId === '1002')!;
    expect([critical.severity, warning.severity]).toEqual(['critical', 'warning']);
  });
  afterAll(() => h.stop());

  it("lists only the channel's own alerts", async () => {
    const supervisors = await get({ c: token() });
    expect(supervisors.status).toBe(200);
    expect(supervisors.html).toContain(`data-episode="${critical.episodeId}"`);
    expect(supervisors.html).toContain(`data-episode="${warning.episodeId}"`);
    const oncall = await get({ c: token('oncall') });
    expect(oncall.html).toContain(`data-episode="${critical.episodeId}"`);
    expect(oncall.html).not.toContain(`data-episode="${warning.episodeId}"`);
  });

  it('refuses what the form may not say, changing nothing', async () => {
    const before = await stored(warning);
    const bads: Record<string, string>[] = [{ a: 'silence-5d' }, { a: 'unack' }, { by: ' ' }, { by: 'x'.repeat(61) }, { e: 'not-an-id' }];
    for (const bad of bads) {
      const res = await post(form(warning, bad));
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    // another source's alert of the same id, or an expired page
    expect((await post(form(warning, { s: 'itnio-main' }))).status).toBe(404);
    expect((await post(form(warning, { c: token('supervisors', now() - 1) }))).status).toBe(410);
    expect(await stored(warning)).toEqual(before);
    expect(await h.store.silences.list({ now: now() })).toEqual([]);
  });

  it('acts, then redirects back to the list, which confirms without echoing what was typed', async () => {
    const res = await post(form(warning, { by: '<b>Ann</b>', a: 'snooze-2h' }));
    expect(res.status).toBe(303);
    expect(res.headers!.location).toBe(`/?c=${token()}&done=snooze-2h&e=${warning.episodeId}`);
    expect(await stored(warning)).toMatchObject({ ackedBy: '<b>Ann</b>', snoozeUntil: now() + 120 * MIN });
    const back = await get(Object.fromEntries(new URL(res.headers!.location, 'https://x').searchParams));
    expect(back.html).toContain(`Snoozed alert ${warning.episodeId} (1002) for 2h.`);
    expect(back.html).toContain('snoozed by &lt;b&gt;Ann&lt;/b&gt; until');
    expect(back.html).not.toContain('<b>Ann');
    // a made-up confirmation is not shown
    const made = await get({ c: token(), done: 'Everything is fine', e: warning.episodeId });
    expect(made.html).not.toContain('class="done"');
  });

  it("acts on an alert listed because an escalation policy's level reached the channel, whatever it takes", async () => {
    // oncall takes critical only; under this policy its first level tells oncall of the warning alert
    const config = {
      ...h.config,
      escalationPolicies: [{ id: 'p', levels: [{ after: 0, channels: ['oncall'] }] }],
      agentRules: h.config.agentRules.map((r) => ({ ...r, escalation: 'p' })),
    };
    const act = (f: Record<string, string>) =>
      handleAckRequest({ method: 'POST', query: {}, form: f }, { store: h.store, key: KEY, now: now(), config });
    expect((await get({ c: token('oncall') }, config)).html).toContain(`data-episode="${warning.episodeId}"`);
    expect((await act(form(warning, { c: token('oncall'), by: 'Bo' }))).status).toBe(303);
    expect(await stored(warning)).toMatchObject({ ackedBy: 'Bo' });
  });

  it('refuses an alert that resolved meanwhile, and a channel no longer configured', async () => {
    h.sim.setState('huawei', '1002', now(), 'idle');
    h.clock.advance(MIN);
    await h.run();
    const res = await post(form(warning));
    expect(res.status).toBe(409);
    expect(res.html).toContain('has resolved meanwhile. Nothing was changed.');
    const gone = await get({ c: token() }, { ...h.config, channels: h.config.channels.filter((c) => c.id !== 'supervisors') });
    expect(gone.status).toBe(404);
    // an endpoint given no config serves acknowledge links only
    const bare = await handleAckRequest({ method: 'GET', query: { c: token() }, form: {} }, { store: h.store, key: KEY, now: now() });
    expect(bare.status).toBe(404);
  });
});
