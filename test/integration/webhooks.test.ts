import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleWebhookEvent } from '#shared/ack/http';
import { ChannelSchema, type Config } from '#shared/config/schema';
import type { Episode } from '#shared/model/items';
import { type Harness, makeHarness } from '../support/harness';

const MIN = 60_000;
const PD_SECRET = 'pd-signing-secret-ZmQ4ZTM0NjUtYjQ1Ny00';
const OG_TOKEN = 'og-token-7f1c2e9a4b';
const SECRETS: Record<string, string> = { 'hooks/pd': `${PD_SECRET}\n`, 'hooks/og': OG_TOKEN, 'hooks/unset': 'REPLACE_ME' };

const sign = (body: Buffer | string, secret = PD_SECRET) => `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;

const pdEvent = (eventType: string, incidentKey: string | null | undefined) => ({
  event: {
    id: '5ac64822-4adc-4fda-ade0-410becf0de4f',
    event_type: eventType,
    resource_type: 'incident',
    occurred_at: '2025-11-26T01:20:00.000Z',
    agent: { id: 'PLH1HKV', summary: 'Tenex Engineer – on call', type: 'user_reference' },
    client: { name: 'PagerDuty' },
    data: {
      id: 'PGR0VU2',
      type: 'incident',
      number: 2,
      status: 'acknowledged',
      ...(incidentKey !== undefined ? { incident_key: incidentKey } : {}),
      title: 'Alice on break',
    },
  },
});

const ogEvent = (action: string, alias: string | undefined) => ({
  action,
  alert: {
    alertId: '1c222736-5ec3-46e7-aeeb-1d608a7c1c12',
    message: 'x',
    ...(alias ? { alias } : {}),
    username: 'ann@acme.example',
    tinyId: '12',
  },
  source: { name: '', type: 'web' },
  integrationName: 'ccwatch_Webhook',
  integrationType: 'Webhook',
});

/** The function URL event Lambda sends: headers lower-cased, the body base64-encoded. */
const urlEvent = (path: string, body: Buffer | string, headers: Record<string, string> = {}, method = 'POST') => ({
  rawPath: path,
  requestContext: { http: { method } },
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(body).toString('base64'),
  isBase64Encoded: true,
});

describe('PagerDuty and Opsgenie webhooks acknowledge ccwatch alerts', () => {
  let h: Harness;
  let config: Config;
  let first: Episode;
  let second: Episode;
  const call = (event: unknown) =>
    handleWebhookEvent(event, { store: h.store, config, loadSecret: async (id) => SECRETS[id], now: h.clock.now() });
  const stored = async (e: Episode) =>
    (await h.store.episodes.findEpisode(e.episodeId)).find((f) => f.episode.source === e.source)!.episode;
  const body = (r: Awaited<ReturnType<typeof call>>) => JSON.parse(r!.result.body) as { result: string; message: string };

  beforeAll(async () => {
    h = await makeHarness({
      config: (url) => ({
        sources: [{ id: 'hw-main', vendor: 'huawei', baseUrl: url, secretId: 'test/huawei', ccId: 1, vdn: 170, agentIds: ['1001-1005'] }],
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m', repeatEvery: '10m' }],
      }),
    });
    // the webhooks' channels: only the endpoint's config needs them (the run delivers to SNS)
    config = {
      ...h.config,
      channels: [
        ...h.config.channels,
        ChannelSchema.parse({
          id: 'pd',
          severities: ['warning', 'critical'],
          pagerduty: { routingKeySecretId: 'x', webhookSecretId: 'hooks/pd' },
        }),
        ChannelSchema.parse({
          id: 'og',
          severities: ['warning', 'critical'],
          opsgenie: { apiKeySecretId: 'x', webhookSecretId: 'hooks/og' },
        }),
        ChannelSchema.parse({ id: 'unset', severities: ['critical'], opsgenie: { apiKeySecretId: 'x', webhookSecretId: 'hooks/unset' } }),
      ],
    };
    h.sim.setState('huawei', '1001', h.clock.start, 'break');
    h.sim.setState('huawei', '1002', h.clock.start, 'break');
    h.clock.set(h.clock.start + 16 * MIN);
    await h.run();
    const open = await h.store.episodes.openEpisodes();
    first = open.find((e) => e.subjectId === '1001')!;
    second = open.find((e) => e.subjectId === '1002')!;
    expect(first && second).toBeTruthy();
  });
  afterAll(() => h.stop());

  it('a PagerDuty webhook with a wrong or missing signature gets 401 and changes nothing', async () => {
    const raw = JSON.stringify(pdEvent('incident.acknowledged', first.episodeId));
    for (const headers of [{ 'x-pagerduty-signature': sign(raw, 'another-secret') }, {}, { 'x-pagerduty-signature': 'v1=zz' }] as Record<
      string,
      string
    >[]) {
      const r = await call(urlEvent('/webhooks/pagerduty/pd', raw, headers));
      expect(r!.status).toBe(401);
      expect(body(r).message).toMatch(/X-PagerDuty-Signature/);
    }
    // signed over other bytes (the same JSON, re-serialized): refused
    const r = await call(urlEvent('/webhooks/pagerduty/pd', `${raw} `, { 'x-pagerduty-signature': sign(raw) }));
    expect(r!.status).toBe(401);
    expect((await stored(first)).ackedBy).toBeUndefined();
  });

  it('a correctly signed incident.acknowledged acknowledges the open alert named by its incident_key', async () => {
    // the exact bytes, non-ASCII included; two signatures while the secret rotates, one of them ours
    const raw = Buffer.from(JSON.stringify(pdEvent('incident.acknowledged', first.episodeId)), 'utf8');
    const header = `${sign(raw, 'the-old-secret')},${sign(raw)}`;
    const r = await call(urlEvent('/webhooks/pagerduty/pd', raw, { 'x-pagerduty-signature': header }));
    expect(r!.status).toBe(200);
    expect(r!.result.headers['content-type']).toBe('application/json');
    expect(body(r)).toMatchObject({ result: 'acknowledged' });
    const e = await stored(first);
    expect(e.ackedBy).toBe('pagerduty:Tenex Engineer – on call');
    expect(e.ackedAt).toBe(h.clock.now());
    // told again (ccwatch's own acknowledgment echoed back, say): kept as it is
    const again = await call(urlEvent('/webhooks/pagerduty/pd', raw, { 'x-pagerduty-signature': header }));
    expect(body(again)).toMatchObject({ result: 'ignored' });
    expect((await stored(first)).version).toBe(e.version);
  });

  it('other PagerDuty events, and incidents without a ccwatch key, are answered 200 and ignored', async () => {
    for (const payload of [
      pdEvent('incident.resolved', second.episodeId),
      pdEvent('incident.acknowledged', null),
      pdEvent('incident.acknowledged', undefined),
      pdEvent('incident.acknowledged', 'd3640fbd41094207a1c11e58e46b1662'),
      pdEvent('incident.acknowledged', 'ZZZZZZ'),
    ]) {
      const raw = JSON.stringify(payload);
      const r = await call(urlEvent('/webhooks/pagerduty/pd', raw, { 'x-pagerduty-signature': sign(raw) }));
      expect(r!.status, raw).toBe(200);
      expect(body(r).result).toBe('ignored');
    }
    expect((await stored(second)).ackedBy).toBeUndefined();
  });

  it('a signed body that is not a v3 webhook is refused with the field named', async () => {
    const raw = JSON.stringify({ event: { data: {} } });
    const r = await call(urlEvent('/webhooks/pagerduty/pd', raw, { 'x-pagerduty-signature': sign(raw) }));
    expect(r!.status).toBe(400);
    expect(body(r).message).toMatch(/event\.event_type/);
  });

  it('an Opsgenie webhook needs the token header; Acknowledge then acknowledges the alert by its alias', async () => {
    const raw = JSON.stringify(ogEvent('Acknowledge', second.episodeId));
    for (const headers of [{}, { 'x-ccwatch-token': 'og-token-7f1c2e9a4' }, { 'x-ccwatch-token': `${OG_TOKEN}x` }] as Record<
      string,
      string
    >[]) {
      const r = await call(urlEvent('/webhooks/opsgenie/og', raw, headers));
      expect(r!.status).toBe(401);
    }
    expect((await stored(second)).ackedBy).toBeUndefined();
    const ignored = JSON.stringify(ogEvent('Close', second.episodeId));
    expect(body(await call(urlEvent('/webhooks/opsgenie/og', ignored, { 'x-ccwatch-token': OG_TOKEN })))).toMatchObject({
      result: 'ignored',
    });
    const r = await call(urlEvent('/webhooks/opsgenie/og', raw, { 'x-ccwatch-token': OG_TOKEN }));
    expect(r!.status).toBe(200);
    expect(body(r)).toMatchObject({ result: 'acknowledged' });
    expect((await stored(second)).ackedBy).toBe('opsgenie:ann@acme.example');
  });

  it('unknown channels, channels without a webhook secret, and other methods are refused; other paths are not webhooks', async () => {
    const raw = JSON.stringify(pdEvent('incident.acknowledged', first.episodeId));
    const signed = { 'x-pagerduty-signature': sign(raw) };
    expect((await call(urlEvent('/webhooks/pagerduty/nope', raw, signed)))!.status).toBe(404);
    expect((await call(urlEvent('/webhooks/pagerduty/supervisors', raw, signed)))!.status).toBe(404);
    expect((await call(urlEvent('/webhooks/opsgenie/pd', raw, signed)))!.status).toBe(404);
    expect((await call(urlEvent('/webhooks/pagerduty/pd', raw, signed, 'GET')))!.status).toBe(405);
    expect((await call(urlEvent('/webhooks/pagerduty/pd', 'x'.repeat(200_000), signed)))!.status).toBe(413);
    expect((await call(urlEvent('/webhooks/opsgenie/unset', raw, { 'x-ccwatch-token': 'REPLACE_ME' })))!.status).toBe(503);
    expect(await call(urlEvent('/', raw))).toBeUndefined();
  });
});
