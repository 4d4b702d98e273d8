import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/parse';
import { SourceError } from '#shared/vendors/errors';
import { SourceSchema } from '#shared/vendors/index';
import { ReaderPool } from '#shared/vendors/readers';
import { CHANNELS, type Harness, makeHarness, SECRETS } from '../support/harness';
import { FAST_HTTP } from '../support/sim';

/**
 * An on-premise Huawei CC-CMS behind a certificate from a company CA, played by an https server on
 * 127.0.0.1 whose certificate (IP SAN 127.0.0.1) is made here with the openssl CLI. It passes every
 * request on to the vendor simulator, so the CC-CMS answers are the simulator's own.
 */
const MIN = 60_000;
const TRUSTED = 'test/private-ca';
const OTHER = 'test/other-ca';

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA (its certificate and key files: `<name>.pem`, `<name>.key`). */
function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
}

/** The server's key and certificate for IP 127.0.0.1, signed by `ca`. */
function makeServerCert(dir: string, ca: string): { key: string; cert: string } {
  openssl(
    dir,
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  );
  return { key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
}

const huaweiSource = (id: string, baseUrl: string, extra: object = {}) => ({
  id,
  vendor: 'huawei',
  baseUrl,
  secretId: 'test/huawei',
  ccId: 1,
  vdn: 170,
  agentIds: ['1001-1005'],
  http: FAST_HTTP,
  ...extra,
});

describe('a source behind a private CA (tls.caSecretId)', () => {
  let dir: string;
  let server: Server;
  let baseUrl: string;
  let h: Harness;
  /** Where the https server passes requests on to (the simulator, once the harness started it). */
  let upstream = '';
  let connections = 0;

  const configWith = (extra: object) =>
    parseConfig(
      {
        sources: [huaweiSource('hw-onprem', baseUrl, extra)],
        channels: CHANNELS,
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }],
      },
      'test',
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccwatch-tls-'));
    makeCa(dir, 'company-ca');
    makeCa(dir, 'other-ca');
    const { key, cert } = makeServerCert(dir, 'company-ca');
    // the bundle as operators paste it: with openssl's text around the block, plus a second CA
    SECRETS[TRUSTED] =
      `subject=CN = company-ca\n${readFileSync(join(dir, 'company-ca.pem'), 'utf8')}${readFileSync(join(dir, 'other-ca.pem'), 'utf8')}`;
    SECRETS[OTHER] = readFileSync(join(dir, 'other-ca.pem'), 'utf8');

    server = createServer({ key, cert }, (req, res) => {
      const up = httpRequest(`${upstream}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

    h = await makeHarness({
      config: () => ({
        sources: [huaweiSource('hw-onprem', baseUrl, { tls: { caSecretId: TRUSTED } })],
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }],
      }),
    });
    upstream = h.sim.url;
  });

  afterAll(async () => {
    await h?.stop();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    delete SECRETS[TRUSTED];
    delete SECRETS[OTHER];
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the agents over TLS when the source trusts its CA bundle', async () => {
    h.sim.setState('huawei', '1002', h.clock.start, 'break');
    h.clock.set(h.clock.start);
    const report = await h.run();
    expect(report.sources).toMatchObject([{ source: 'hw-onprem', status: 'ok', agents: 5 }]);
    const agents = await h.snapshot('hw-onprem');
    expect(agents).toHaveLength(5);
    expect(agents.find((a) => a.agentId === '1002')?.state).toBe('break');
    // the requests really went through the TLS server to the vendor
    expect(h.sim.requests('/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids')).toHaveLength(1);
  });

  it.each([
    ['without tls.caSecretId', {}, /UNABLE_TO_VERIFY_LEAF_SIGNATURE.*put that CA's PEM bundle in a secret and name it in tls\.caSecretId/],
    [
      'trusting another CA',
      { tls: { caSecretId: OTHER } },
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE.*neither the public roots nor the bundle in tls\.caSecretId/,
    ],
  ])('%s, the same source fails closed: a failed read, no request sent, state and alerts untouched', async (_name, extra, message) => {
    const before = await h.snapshot('hw-onprem');
    h.take();
    h.sim.clearLog();
    connections = 0;
    h.clock.advance(16 * MIN); // agent 1002's break would be alert-worthy by now, were it read
    const report = await h.run({ config: configWith(extra) });
    const [result] = report.sources;
    expect(result).toMatchObject({ source: 'hw-onprem', status: 'failed' });
    expect(result!.error).toMatch(/\[hw-onprem\] config error: TLS: the certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted/);
    expect(result!.error).toMatch(message);
    expect(h.sim.log).toHaveLength(0);
    // a config error is not retried: one connection per request (status and rest reasons), no more
    expect(connections).toBeLessThanOrEqual(2);
    expect(await h.snapshot('hw-onprem')).toEqual(before);
    expect(h.take()).toEqual([]);
  });

  it('with the bundle back, the next read goes through again', async () => {
    h.clock.advance(MIN);
    const report = await h.run();
    expect(report.sources).toMatchObject([{ source: 'hw-onprem', status: 'ok', agents: 5 }]);
  });

  it('trusts the bundle in that source only: another source (its own pool) on the same server still fails', async () => {
    const pool = new ReaderPool(async (id) => SECRETS[id]);
    try {
      const trusting = await pool.get(SourceSchema.parse(huaweiSource('a', baseUrl, { tls: { caSecretId: TRUSTED } })));
      const plain = await pool.get(SourceSchema.parse(huaweiSource('b', baseUrl)));
      expect((await trusting.readAgents(h.clock.now())).agents).toHaveLength(5);
      const err = await plain.readAgents(h.clock.now()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SourceError);
      expect((err as SourceError).kind).toBe('config');
      expect((err as SourceError).retryable).toBe(false);
    } finally {
      await pool.closeAll();
    }
  });
});

describe('tls config and the CA bundle secret', () => {
  const source = (tls: unknown) => ({ ...huaweiSource('hw-onprem', 'https://10.22.26.181:28080'), tls });

  it('takes only caSecretId: no way to turn certificate checks off', () => {
    const bad = SourceSchema.safeParse(source({ caSecretId: 'ccwatch/ca', rejectUnauthorized: false }));
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['tls'] });
    expect(bad.error!.issues[0]!.message).toMatch(/unknown field\(s\) rejectUnauthorized: tls takes only caSecretId.*cannot be turned off/);
    expect(SourceSchema.safeParse(source({})).error!.issues[0]).toMatchObject({
      path: ['tls', 'caSecretId'],
      message: 'expected the id (name or ARN) of the secret holding the PEM CA bundle',
    });
    expect(SourceSchema.parse(source({ caSecretId: 'ccwatch/ca' })).tls).toEqual({ caSecretId: 'ccwatch/ca' });
  });

  const loadError = async (secrets: Record<string, unknown>): Promise<SourceError> => {
    const pool = new ReaderPool(async (id) => {
      if (!(id in secrets)) throw new Error(`no secret "${id}"`);
      return secrets[id];
    });
    try {
      const err = await pool.get(SourceSchema.parse(source({ caSecretId: 'ccwatch/ca' }))).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SourceError);
      expect((err as SourceError).kind).toBe('config');
      return err as SourceError;
    } finally {
      await pool.closeAll();
    }
  };
  const creds = { 'test/huawei': SECRETS['test/huawei'] };

  it('names the source and the secret when the bundle is missing or not PEM', async () => {
    expect((await loadError(creds)).message).toMatch(
      /^\[hw-onprem\] config error: CA bundle secret "ccwatch\/ca" \(tls\.caSecretId\) could not be read: no secret "ccwatch\/ca"/,
    );
    expect((await loadError({ ...creds, 'ccwatch/ca': 'not a certificate' })).message).toMatch(
      /\[hw-onprem\] config error: CA bundle secret "ccwatch\/ca" \(tls\.caSecretId\) holds no PEM certificate: expected one or more "-----BEGIN CERTIFICATE-----" blocks/,
    );
    expect((await loadError({ ...creds, 'ccwatch/ca': { ca: 'x' } })).message).toMatch(
      /must hold the PEM bundle as its plain string value, not JSON/,
    );
    const broken = '-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydA==\n-----END CERTIFICATE-----\n';
    expect((await loadError({ ...creds, 'ccwatch/ca': broken })).message).toMatch(/certificate 1 of 1 is not a valid PEM certificate/);
    const key = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
    const err = await loadError({ ...creds, 'ccwatch/ca': `${broken}${key}` });
    expect(err.message).toMatch(/holds a private key: store only the CA certificate\(s\)/);
    expect(err.message).not.toContain('AAAA');
  });
});
