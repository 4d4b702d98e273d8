import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { VendorSimulator } from '#simulator/server';
import { closeServer, listenLoopback } from '../../local/loopback';
import { buildCli, ccwatch, ccwatchWithInput, jsonLines, lines } from '../support/cli';
import { SECRETS, testSources } from '../support/harness';
import { population, startSim, TEST_CREDS, testClock } from '../support/sim';

const MIN = 60_000;

// each test runs the CLI (a process) several times: slow on a loaded machine
describe('ccwatch verify and secrets set, against the simulator over HTTP', { timeout: 90_000 }, () => {
  let sim: VendorSimulator;
  const clock = testClock(Date.now());
  let dir: string;
  const file = (name: string, raw: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(raw));
    return path;
  };
  const configFor = (name: string, simUrl: string) =>
    file(name, {
      sources: testSources(simUrl),
      agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }],
      channels: [
        { id: 'supervisors', severities: ['warning', 'critical'], emails: ['lead@acme.example'] },
        { id: 'oncall', severities: ['critical'], sms: ['+8613800138000'] },
      ],
    });
  let config: string;
  let secrets: string;

  beforeAll(async () => {
    await buildCli();
    sim = await startSim(population(clock.start), clock.now);
    dir = mkdtempSync(join(tmpdir(), 'ccwatch-verify-'));
    config = configFor('ccwatch.json', sim.url);
    secrets = file('secrets.json', SECRETS);
  });
  afterAll(() => sim.stop());

  it('verify: every source reachable, signed, no clock skew, agent counts; one line each, and --json', async () => {
    sim.clearLog();
    const res = await ccwatch(['verify', '--config', config, '--secrets', secrets], dir);
    expect(res.code, res.stderr).toBe(0);
    const out = lines(res.stdout);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^itnio-main \(itnio\)\s+OK\s+reachable \(\d+ ms\)\s+signed\s+clock skew [+-][01] s\s+agents 5$/);
    expect(out[1]).toMatch(/^hw-main \(huawei\)\s+OK\s+reachable \(\d+ ms\)\s+signed\s+clock skew [+-][01] s\s+agents n\/a$/);
    expect(out[2]).toMatch(/^nx-main \(nxcloud\)\s+OK\s+reachable \(\d+ ms\)\s+signed\s+clock skew [+-][01] s\s+agents 5$/);
    expect(res.stderr).toContain('3 of 3 source(s) verified');
    // ONE request per source: a page of size 1 (ITNIO, NXCloud), one agent id (Huawei)
    expect(sim.log.map((r) => [r.path, r.outcome])).toEqual(
      expect.arrayContaining([
        ['/v3/cc/seat/query', 'ok'],
        ['/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids', 'ok'],
        ['/saas/cc/openapi/agent/page', 'ok'],
      ]),
    );
    expect(sim.log).toHaveLength(3);
    expect(sim.requests('/v3/cc/seat/query')[0]!.body).toMatchObject({ current: 1, size: 1 });
    expect(sim.requests('/saas/cc/openapi/agent/page')[0]!.body).toMatchObject({ page: 1, size: 1 });
    expect(sim.requests('/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids')[0]!.body.agentIds).toEqual([1001]);

    const json = await ccwatch(['verify', '--config', config, '--secrets', secrets, '--json'], dir);
    expect(json.code).toBe(0);
    const objs = jsonLines(json.stdout);
    expect(objs.map((o) => o.source)).toEqual(['itnio-main', 'hw-main', 'nx-main']);
    for (const o of objs) {
      expect(o).toMatchObject({ ok: true, reachable: true, signed: true, httpStatus: expect.any(Number) });
      expect(Math.abs(o.clockSkewSec)).toBeLessThanOrEqual(1);
      expect(o.latencyMs).toBeGreaterThanOrEqual(0);
      expect(o.clockSkewWarning).toBeUndefined();
    }
    expect(objs.map((o) => o.agents)).toEqual([5, null, 5]);
  });

  it('verify: wrong credentials reported per source, the others still verified; exit 4', async () => {
    const wrong = file('wrong.json', {
      ...SECRETS,
      'test/itnio': { ...TEST_CREDS.itnio, apiSecret: 'not-the-secret' },
      'test/huawei': { ...TEST_CREDS.huawei, sk: 'not-the-sk' },
    });
    const res = await ccwatch(['verify', '--config', config, '--secrets', wrong, '--json'], dir);
    expect(res.code).toBe(4);
    const [itnio, hw, nx] = jsonLines(res.stdout);
    expect(itnio).toMatchObject({ ok: false, reachable: true, signed: false, errorKind: 'auth' });
    expect(itnio.error).toMatch(/vendor code -1/);
    expect(hw).toMatchObject({ ok: false, reachable: true, signed: false, errorKind: 'auth', httpStatus: 401 });
    expect(nx).toMatchObject({ ok: true, signed: true });
    // no secret value is ever echoed
    expect(res.stdout + res.stderr).not.toMatch(/not-the-secret|not-the-sk/);

    const text = await ccwatch(['verify', '--config', config, '--secrets', wrong], dir);
    expect(text.code).toBe(4);
    expect(lines(text.stdout)[0]).toMatch(/^itnio-main \(itnio\)\s+FAILED\s+reachable.*NOT signed.*auth error/);
    expect(text.stderr).toContain('1 of 3 source(s) verified');
  });

  it('verify: a placeholder secret is "not configured", with no request sent; a missing secret fails too', async () => {
    // as the stack creates it: the first field random, the others the placeholder; and no Huawei entry
    const noHuawei = file('no-huawei.json', {
      'test/itnio': SECRETS['test/itnio'],
      'test/nxcloud': { accessKey: 'Zx81rAnd0m', accessSecret: 'REPLACE_ME' },
    });
    sim.clearLog();
    const res = await ccwatch(['verify', '--config', config, '--secrets', noHuawei], dir);
    expect(res.code).toBe(4);
    const [itnio, hw, nx] = lines(res.stdout);
    expect(itnio).toMatch(/OK/);
    expect(hw).toMatch(/^hw-main \(huawei\)\s+FAILED\s+not checked\s+— secret "test\/huawei" could not be read/);
    expect(nx).toMatch(
      /^nx-main \(nxcloud\)\s+FAILED\s+not checked\s+— not configured: secret "test\/nxcloud" still holds placeholder values/,
    );
    expect(sim.log.map((r) => r.vendor)).toEqual(['itnio']);
  });

  it('verify: reports the clock skew from the vendor Date header; past a vendor window, signing is refused', async () => {
    // a vendor whose clock runs 90 s ahead: ITNIO and Huawei (5-minute windows) accept, NXCloud (±60 s) refuses
    const ahead = await startSim(population(clock.start), clock.now, { wallClock: () => Date.now() + 90_000 });
    try {
      const cfg = configFor('ahead.json', ahead.url);
      const res = await ccwatch(['verify', '--config', cfg, '--secrets', secrets, '--json'], dir);
      expect(res.code).toBe(4);
      const [itnio, hw, nx] = jsonLines(res.stdout);
      for (const v of [itnio, hw, nx]) {
        expect(v.clockSkewSec).toBeGreaterThanOrEqual(89);
        expect(v.clockSkewSec).toBeLessThanOrEqual(91);
        expect(v.clockSkewWarning).toBe(true);
      }
      expect(itnio).toMatchObject({ ok: true, signed: true });
      expect(hw).toMatchObject({ ok: true, signed: true });
      expect(nx).toMatchObject({ ok: false, signed: false, errorKind: 'clock' });
      expect(nx.error).toMatch(/vendor code 1004/);
      const text = await ccwatch(['verify', '--config', cfg, '--secrets', secrets], dir);
      expect(lines(text.stdout)[0]).toMatch(/clock skew \+(89|90|91) s \(WARNING: over 60 s; itnio signatures carry a timestamp/);
    } finally {
      await ahead.stop();
    }
    // 10 minutes behind: every vendor refuses the timestamps
    const behind = await startSim(population(clock.start), clock.now, { wallClock: () => Date.now() - 10 * MIN });
    try {
      const res = await ccwatch(['verify', '--config', configFor('behind.json', behind.url), '--secrets', secrets, '--json'], dir);
      expect(res.code, res.stderr).toBe(4);
      const all = jsonLines(res.stdout);
      expect(all.map((v) => v.signed)).toEqual([false, false, false]);
      for (const v of all) expect(Math.round(v.clockSkewSec / 10)).toBe(-60);
      expect(all.map((v) => v.errorKind)).toEqual(['clock', 'auth', 'clock']);
    } finally {
      await behind.stop();
    }
  });

  it('secrets set from stdin: wrong credentials store nothing (exit 4); right ones go to ./.ccwatch/secrets.json (0600), which run then uses', async () => {
    const own = mkdtempSync(join(tmpdir(), 'ccwatch-secrets-'));
    const stored = join(own, '.ccwatch', 'secrets.json');
    const wrong = await ccwatchWithInput(
      ['secrets', 'set', 'itnio-main', '--config', config],
      JSON.stringify({ apiKey: TEST_CREDS.itnio.apiKey, apiSecret: 'wrong-secret' }),
      own,
    );
    expect(wrong.code, wrong.stderr).toBe(4);
    expect(wrong.stderr).toMatch(/did not accept these credentials; nothing was stored/);
    expect(wrong.stderr).toMatch(/auth error \(vendor code -1\)/);
    expect(wrong.stderr + wrong.stdout).not.toContain('wrong-secret');
    expect(existsSync(stored)).toBe(false);

    const badInput = await ccwatchWithInput(['secrets', 'set', 'itnio-main', '--config', config], 'apiKey=x\napiSecret=REPLACE_ME\n', own);
    expect(badInput.code).toBe(1);
    expect(badInput.stderr).toContain('apiSecret: still the placeholder REPLACE_ME');
    const unknownField = await ccwatchWithInput(['secrets', 'set', 'hw-main', '--config', config], '{"ak":"a","secret":"b"}', own);
    expect(unknownField.code).toBe(1);
    expect(unknownField.stderr).toContain('unknown field(s) secret: a huawei secret has ak, sk');

    // JSON for one, key=value lines for the others
    const itnio = await ccwatchWithInput(['secrets', 'set', 'itnio-main', '--config', config], JSON.stringify(TEST_CREDS.itnio), own);
    expect(itnio.code, itnio.stderr).toBe(0);
    expect(itnio.stdout).toContain('itnio-main: credentials verified and stored in .ccwatch/secrets.json as "test/itnio"');
    const hw = await ccwatchWithInput(
      ['secrets', 'set', 'hw-main', '--config', config],
      `# Huawei\nak = ${TEST_CREDS.huawei.ak}\nsk=${TEST_CREDS.huawei.sk}\n`,
      own,
    );
    expect(hw.code, hw.stderr).toBe(0);
    const nx = await ccwatchWithInput(
      ['secrets', 'set', 'nx-main', '--config', config],
      `accessKey=${TEST_CREDS.nxcloud.accessKey}\naccessSecret=${TEST_CREDS.nxcloud.accessSecret}\n`,
      own,
    );
    expect(nx.code, nx.stderr).toBe(0);
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(stored, 'utf8'))).toEqual(SECRETS);

    const run = await ccwatch(
      [
        'run',
        '--config',
        config,
        '--secrets',
        '.ccwatch/secrets.json',
        '--once',
        '--dry-run',
        '--ddb-endpoint',
        inject('ddbEndpoint'),
        '--table',
        'cli-secrets-set',
      ],
      own,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/3 source read\(s\) ok, 0 failed/);
  });

  it("secrets set --aws: PutSecretValue on the stack's secret (created if missing); verify --stack reads the same", async () => {
    const calls: { target: string; body: any }[] = [];
    const stored = new Map<string, string>([['Ccwatch/test/itnio', '{"apiKey":"f8Zq0random","apiSecret":"REPLACE_ME"}']]);
    const server: Server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const body = JSON.parse(raw || '{}');
        calls.push({ target, body });
        const reply = (status: number, json: unknown) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(json));
        };
        const notFound = () =>
          reply(400, { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
        const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}`;
        if (target === 'secretsmanager.PutSecretValue') {
          if (!stored.has(body.SecretId)) return notFound();
          stored.set(body.SecretId, body.SecretString);
          return reply(200, { ARN: arn(body.SecretId), Name: body.SecretId, VersionId: 'v2' });
        }
        if (target === 'secretsmanager.CreateSecret') {
          stored.set(body.Name, body.SecretString);
          return reply(200, { ARN: arn(body.Name), Name: body.Name, VersionId: 'v1' });
        }
        if (target === 'secretsmanager.GetSecretValue') {
          if (!stored.has(body.SecretId)) return notFound();
          return reply(200, { ARN: arn(body.SecretId), Name: body.SecretId, VersionId: 'v1', SecretString: stored.get(body.SecretId) });
        }
        reply(400, { __type: 'InvalidRequestException', Message: target });
      });
    });
    const endpoint = await listenLoopback(server);
    try {
      const own = mkdtempSync(join(tmpdir(), 'ccwatch-secrets-aws-'));
      const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint };
      const set = (source: string, creds: unknown, ...flags: string[]) =>
        ccwatchWithInput(['secrets', 'set', source, '--config', config, '--aws', ...flags], JSON.stringify(creds), own, env);

      // right after deploy: placeholders in the stack's secret, and verify says so
      const before = await ccwatchWithInput(['verify', '--config', config, '--stack', 'Ccwatch', '--json'], '', own, env);
      expect(jsonLines(before.stdout)[0]).toMatchObject({ source: 'itnio-main', ok: false, errorKind: 'not-configured' });

      const put = await set('itnio-main', TEST_CREDS.itnio, '--stack', 'Ccwatch');
      expect(put.code, put.stderr).toBe(0);
      expect(put.stdout).toContain('in AWS Secrets Manager (secret "Ccwatch/test/itnio", new version)');
      const create = await set('nx-main', TEST_CREDS.nxcloud, '--stack', 'Ccwatch');
      expect(create.code, create.stderr).toBe(0);
      expect(create.stdout).toContain('(secret "Ccwatch/test/nxcloud", created)');
      expect(calls.map((c) => c.target).filter((t) => t !== 'secretsmanager.GetSecretValue')).toEqual([
        'secretsmanager.PutSecretValue',
        'secretsmanager.PutSecretValue',
        'secretsmanager.CreateSecret',
      ]);
      expect(JSON.parse(stored.get('Ccwatch/test/itnio')!)).toEqual(TEST_CREDS.itnio);
      expect(JSON.parse(stored.get('Ccwatch/test/nxcloud')!)).toEqual(TEST_CREDS.nxcloud);

      // without --stack: the secretId as written, never created (the stack's one would keep its placeholders)
      calls.length = 0;
      const plain = await set('hw-main', TEST_CREDS.huawei);
      expect(plain.code).toBe(1);
      expect(plain.stderr).toContain('there is no secret "test/huawei" in Secrets Manager');
      expect(plain.stderr).toContain('pass --stack <stack name>');
      expect(calls.map((c) => c.target)).toEqual(['secretsmanager.PutSecretValue']);

      // refused by the vendor: Secrets Manager is never called, nothing written anywhere
      const refused = await set('hw-main', { ak: TEST_CREDS.huawei.ak, sk: 'wrong' }, '--stack', 'Ccwatch');
      expect(refused.code).toBe(4);
      expect(calls).toHaveLength(1);
      expect(existsSync(join(own, '.ccwatch'))).toBe(false);

      const after = jsonLines(
        (await ccwatchWithInput(['verify', '--config', config, '--stack', 'Ccwatch', '--json'], '', own, env)).stdout,
      );
      expect(after.map((v) => [v.source, v.ok])).toEqual([
        ['itnio-main', true],
        ['hw-main', false],
        ['nx-main', true],
      ]);
      expect(after[1].error).toMatch(/secret "test\/huawei" could not be read/);
    } finally {
      await closeServer(server);
    }
  });

  it('run with a placeholder secret: "not configured" every run (exit 3), never "source down"; alerts --config lists it', async () => {
    const placeholders = file('placeholders.json', { ...SECRETS, 'test/huawei': { ak: 'r4nd0mAk', sk: 'REPLACE_ME' } });
    const ddb = ['--ddb-endpoint', inject('ddbEndpoint'), '--table', 'cli-not-configured'];
    sim.clearLog();
    // sourceDownAfter is 3 (the default): a failing source would page at the third run
    for (let i = 0; i < 4; i++) {
      const res = await ccwatch(['run', '--config', config, '--secrets', placeholders, '--dry-run', '--json', ...ddb], dir);
      expect(res.code, res.stderr).toBe(3);
      expect(res.stderr).toContain(
        'source hw-main not configured: [hw-main] not-configured error: secret "test/huawei" still holds placeholder values',
      );
      expect(res.stderr).toMatch(
        /warn: source not configured: its secret still holds placeholder values; not read, not paged .*"secretId":"test\/huawei"/,
      );
      expect(res.stderr).toMatch(/run 1 done: 2 source read\(s\) ok, 0 failed, 1 not configured, \d+ notification\(s\)/);
      expect(res.stdout).not.toContain('hw-main');
    }
    expect(sim.log.filter((r) => r.vendor === 'huawei')).toEqual([]);

    const alerts = await ccwatch(['alerts', '--config', config, ...ddb], dir);
    expect(alerts.code, alerts.stderr).toBe(0);
    expect(alerts.stdout).toMatch(
      /^not configured {2}hw-main {2}secret "test\/huawei" still holds placeholder values \(since \d\d [A-Z][a-z]{2}, \d\d:\d\d UTC\): not read, never paged; ccwatch secrets set hw-main$/m,
    );
    expect(alerts.stdout).toContain('no open alerts');
    expect(alerts.stdout).not.toMatch(/source-down|hw-main on/);
    const json = jsonLines((await ccwatch(['alerts', '--config', config, '--json', ...ddb], dir)).stdout);
    expect(json).toEqual([
      { kind: 'not-configured', source: 'hw-main', secretId: 'test/huawei', since: expect.any(Number), functions: ['agent-status'] },
    ]);
    // without --config, alerts lists open alerts only, as before
    expect((await ccwatch(['alerts', ...ddb], dir)).stdout.trim()).toBe('no open alerts');
  });

  it("hides only the AWS SDK's Node-version notice", async () => {
    const res = await ccwatch(['alerts', '--ddb-endpoint', inject('ddbEndpoint'), '--table', 'cli-quiet'], dir);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(/NodeVersionSupportWarning/);
  });
});
