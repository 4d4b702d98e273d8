import { existsSync, readFileSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAcknowledgment } from '#shared/ack/acknowledge';
import { ackLinkMaker, pageLinkMaker } from '#shared/ack/link';
import { signPageToken } from '#shared/ack/token';
import { runAgentStatus } from '#shared/run/agent-status';
import { startAckServer } from '../support/ack-server';
import { type Harness, makeHarness, TOPICS, testSources } from '../support/harness';
import { population } from '../support/sim';

/**
 * The open-alerts page end to end: alerts fired from the simulator and published through SNS, the
 * page link taken out of the email, opened in a real headless Chromium on a phone-sized screen,
 * and acted on through its forms; each effect checked in DynamoDB.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = 'docs/open-alerts.png';
const SCALE = 2;
const MIN = 60_000;
const KEY = 'browser-test-signing-key-'.repeat(3);
const NAMES = ['Alice Chen', 'Bruno Díaz', "Dana O'Neil"];

describe('the open-alerts page in a browser', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof startAckServer>>;
  let browser: Browser;
  let page: Page;
  let link: string;
  let email: string;
  const now = () => h.clock.now();
  const row = (text: string) => page.locator('tr[data-episode]', { hasText: text });
  const episodeOf = async (source: string, subjectId: string) =>
    (await h.store.episodes.openEpisodes()).find((e) => e.source === source && e.subjectId === subjectId)!;
  /** Clicks a button of a row and waits for the redirect back to the list. */
  const act = async (who: string, button: string, done: string) => {
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('done') === done),
      row(who).getByRole('button', { name: button, exact: true }).click(),
    ]);
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
    h = await makeHarness({
      config: (url) => ({
        // the two sources whose agents carry names, on the floor's own clock
        sources: testSources(url)
          .filter((s) => s.id !== 'nx-main')
          .map((s) => ({ ...s, timezone: 'Asia/Shanghai' })),
        agentRules: [
          { id: 'long-break', states: ['break'], after: '15m', escalateAfter: '45m' },
          { id: 'long-call', states: ['busy', 'wrapup'], after: '30m' },
        ],
      }),
      population: (t0) => {
        const pop = population(t0);
        for (const [i, name] of NAMES.entries()) pop.itnio!.agents[i]!.name = name;
        return pop;
      },
    });
    server = await startAckServer({ store: h.store, key: KEY, now, config: h.config });
    const t0 = h.clock.start;
    h.sim.setState('itnio', '1', t0, 'break');
    h.sim.setState('itnio', '2', t0 + 10 * MIN, 'busy');
    h.sim.setState('itnio', '3', t0 + 30 * MIN, 'break');
    h.sim.setState('huawei', '1003', t0 + 32 * MIN, 'break', { reason: 3 });
    // ITNIO does not say when a state began: its agents' time counts from the run that sees it
    for (const minute of [0, 10, 30, 50]) {
      h.clock.set(t0 + minute * MIN);
      await runAgentStatus(h.config, new Date(now()).toISOString(), now(), {
        store: h.store,
        publisher: h.publisher,
        readers: h.readers,
        log: h.log,
        ackLink: ackLinkMaker(server.url, KEY, now()),
        pageLink: pageLinkMaker(server.url, KEY, now()),
      });
    }
    // the latest email: Alice escalated, the three others new
    email = h
      .take()
      .filter((m) => m.topicArn === TOPICS.supervisors)
      .at(-1)!.bodies!.email!;
    link = email.match(/^Everything open for supervisors: (\S+)$/m)![1]!;
    // one acknowledged already (by the CLI, say), so the page shows both kinds
    const hw = await episodeOf('hw-main', '1003');
    await setAcknowledgment(h.store, { episodeId: hw.episodeId, source: 'hw-main', by: 'Bo', now: now() });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, deviceScaleFactor: SCALE });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await h?.stop();
  });

  it('the email links to the page, near its top', () => {
    expect(link.startsWith(`${server.url}?c=supervisors.`)).toBe(true);
    expect(email.split('\n').indexOf(`Everything open for supervisors: ${link}`)).toBe(3);
  });

  it('lists the channel open alerts, worst first, as cards without horizontal scrolling at 360 px', async () => {
    const res = await page.goto(link);
    expect(res!.status()).toBe(200);
    expect(res!.headers()['referrer-policy']).toBe('no-referrer');
    expect(await page.locator('h1').textContent()).toBe('Open alerts for supervisors');
    expect(await page.locator('.meta').textContent()).toBe(
      '4 open alerts · as of 23 Nov, 17:50 GMT+8 · this link works until 24 Nov, 17:50 GMT+8',
    );
    expect(await page.locator('tr[data-episode] .who').allTextContents()).toEqual([
      'Alice Chen (1)',
      'Bruno Díaz (2)',
      "Dana O'Neil (3)",
      '1003',
    ]);
    // on a phone each cell is a line of the card, labelled by its column
    const fields = (who: string) =>
      row(who)
        .locator('td[data-label]')
        .evaluateAll((tds) => tds.map((td) => `${td.getAttribute('data-label')}: ${(td.textContent ?? '').replace(/\s+/g, ' ').trim()}`));
    expect(await fields('Alice Chen')).toEqual([
      'State: on break',
      'For: 50m',
      'Since: 23 Nov, 17:00 GMT+8',
      'Tier: 2 (escalated), critical',
      'Acknowledged: no',
    ]);
    expect(await fields('Bruno Díaz')).toEqual([
      'State: on a call or in wrap-up',
      'For: 40m',
      'Since: 23 Nov, 17:10 GMT+8',
      'Tier: 1, warning',
      'Acknowledged: no',
    ]);
    expect((await fields('1003')).at(-1)).toBe('Acknowledged: by Bo');
    expect(await row('Alice Chen').locator('.sub').first().textContent()).toMatch(/^itnio-main · rule long-break · alert [2-9A-Z]{6}$/);
    // agents get a silence offer; every row gets acknowledge and snooze
    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(4);
    expect(await page.getByRole('button', { name: 'Snooze 2h' }).count()).toBe(4);
    expect(await page.getByRole('button', { name: 'Silence this agent for 8h' }).count()).toBe(4);

    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    expect(await page.locator('thead').isVisible()).toBe(false);
    const widths = await page.locator('tr[data-episode]').evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().width));
    for (const w of widths) expect(w).toBeLessThanOrEqual(360 - 2 * 16);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(360 * SCALE);
    expect(png.length).toBeGreaterThan(5 * 1024);
  });

  it('acknowledges with the name typed, and says so', async () => {
    const alice = await episodeOf('itnio-main', '1');
    await row('Alice Chen').locator('input[name=by]').fill('Ann Lee');
    await act('Alice Chen', 'Acknowledge', 'ack');
    expect(await page.locator('.done').textContent()).toBe(
      `Acknowledged alert ${alice.episodeId} (Alice Chen (1)): no repeats or escalation until it resolves.`,
    );
    expect(await episodeOf('itnio-main', '1')).toMatchObject({ ackedBy: 'Ann Lee', ackedAt: now() });
    expect((await episodeOf('itnio-main', '1')).snoozeUntil).toBeUndefined();
    expect(await row('Alice Chen').textContent()).toContain('by Ann Lee');
  });

  it('snoozes another, the name already filled in', async () => {
    expect(await row('Bruno Díaz').locator('input[name=by]').inputValue()).toBe('Ann Lee');
    await act('Bruno Díaz', 'Snooze 30m', 'snooze-30m');
    expect(await episodeOf('itnio-main', '2')).toMatchObject({ ackedBy: 'Ann Lee', snoozeUntil: now() + 30 * MIN });
    expect(await row('Bruno Díaz').textContent()).toContain('snoozed by Ann Lee until 23 Nov, 18:20 GMT+8');
  });

  it('silences a third agent for 2 hours: a runtime silence with its author', async () => {
    await act("Dana O'Neil", 'Silence this agent for 2h', 'silence-2h');
    expect(await page.locator('.done').textContent()).toBe("Silenced Dana O'Neil (3) for 2h.");
    const silences = await h.store.silences.list({ now: now() });
    expect(silences).toHaveLength(1);
    expect(silences[0]).toMatchObject({
      scope: { sources: [], groups: [], agents: ['itnio-main:3'] },
      rules: [],
      startsAt: now(),
      endsAt: now() + 120 * MIN,
      createdBy: 'Ann Lee',
      comment: 'from the open-alerts page',
    });
    expect(await row("Dana O'Neil").textContent()).toContain('Silenced until 23 Nov, 19:50 GMT+8 by Ann Lee');
    // the other alerts are as they were
    expect(await episodeOf('hw-main', '1003')).toMatchObject({ ackedBy: 'Bo' });
  });

  it('remembers the name on this device after a reload', async () => {
    await page.reload();
    expect(await page.locator('.done').count()).toBe(1);
    const filled = async (p: Page) => Promise.all((await p.locator('input[name=by]').all()).map((i) => i.inputValue()));
    expect(await filled(page)).toEqual(Array(4).fill('Ann Lee'));
    // not the browser restoring a form: a new tab on this device fills them from what was kept
    expect(await page.evaluate<string | null>("localStorage.getItem('ccwatch-name')")).toBe('Ann Lee');
    const tab = await page.context().newPage();
    await tab.goto(link);
    expect(await filled(tab)).toEqual(Array(4).fill('Ann Lee'));
    await tab.close();
  });

  it('refuses a wrong or expired link, and a form whose token is for another channel, changing nothing', async () => {
    const tampered = link.replace('?c=supervisors.', '?c=oncall.');
    const wrong = await page.goto(tampered);
    expect(wrong!.status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('Link not valid');
    expect(await page.locator('body').textContent()).toContain('Nothing was changed.');
    const expired = await page.goto(`${server.url}?c=${signPageToken(KEY, { channel: 'supervisors', expiresAt: now() - 1 })}`);
    expect(expired!.status()).toBe(410);

    // a real oncall link does not reach a warning alert of supervisors
    const before = await episodeOf('hw-main', '1003');
    await page.goto(link);
    const oncall = signPageToken(KEY, { channel: 'oncall', expiresAt: now() + 3600_000 });
    await row('1003')
      .locator('input[name=c]')
      .evaluate((el, v) => el.setAttribute('value', v), oncall);
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      row('1003').getByRole('button', { name: 'Acknowledge' }).click(),
    ]);
    expect(refused.status()).toBe(404);
    expect(await page.locator('body').textContent()).toContain("is not one of oncall's alerts. Nothing was changed.");
    // and a forged token in the form is refused outright
    await page.goto(link);
    await row('1003')
      .locator('input[name=c]')
      .evaluate((el) => el.setAttribute('value', 'supervisors.zzzzzz.AAAAAAAAAAAAAAAAAAAAAA'));
    const [forged] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      row('1003').getByRole('button', { name: 'Snooze 2h' }).click(),
    ]);
    expect(forged.status()).toBe(403);
    expect(await episodeOf('hw-main', '1003')).toEqual(before);
    expect(await h.store.silences.list({ now: now() })).toHaveLength(1);
  });
});
