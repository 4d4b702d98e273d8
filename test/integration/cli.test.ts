import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { VendorSimulator } from '#simulator/server';
import { buildCli, CLI, ccwatch } from '../support/cli';
import { SECRETS, testSources } from '../support/harness';
import { population, startSim, testClock } from '../support/sim';

const MIN = 60_000;

/** Runs the built CLI as a process; never throws, returns what a shell would see. */

describe('the ccwatch CLI', () => {
  let sim: VendorSimulator;
  const clock = testClock();
  let dir: string;
  const cfg = (name: string, raw: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(raw));
    return file;
  };
  let config: string;
  let secrets: string;
  const iso = (t: number) => new Date(t).toISOString();

  beforeAll(async () => {
    await buildCli();
    sim = await startSim(population(clock.start), clock.now);
    dir = mkdtempSync(join(tmpdir(), 'ccwatch-cli-'));
    config = cfg('ccwatch.json', {
      sources: testSources(sim.url),
      agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }],
      channels: [
        { id: 'supervisors', severities: ['warning', 'critical'], emails: ['lead@acme.example'] },
        { id: 'oncall', severities: ['critical'], sms: ['+8613800138000'] },
      ],
    });
    secrets = cfg('secrets.json', SECRETS);
  });
  afterAll(() => sim.stop());

  it('check-config: exit 0 for a valid file, 2 with every error and its path (on stderr)', async () => {
    expect((await ccwatch(['check-config', config], dir)).code).toBe(0);
    const bad = cfg('bad.json', {
      sources: [{ id: 'x', vendor: 'itnio', baseUrl: 'http://vendor.example', secretId: 's' }],
      channels: [],
      agentRules: [{ id: 'r', states: ['break'], after: 'soon' }],
    });
    const res = await ccwatch(['check-config', bad], dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('sources[0].baseUrl: expected an https URL');
    expect(res.stderr).toContain('agentRules[0].after: expected a duration like "15m"');
    expect(res.stderr).toContain('channels: Too small');
    expect(res.stdout).toBe('');
    const broken = join(dir, 'broken.jsonc');
    writeFileSync(broken, '{\n  // a comment\n  "sources": []\n  "channels": []\n}\n');
    const syntax = await ccwatch(['check-config', broken], dir);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toBe(`${broken}:4:3: expected "," or "}" after a property value, found "channels"\n`);
  });

  it('--version and -v print the package version; no command is a usage error on stderr', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    for (const flag of ['--version', '-v'])
      expect(await ccwatch([flag], dir)).toEqual({ code: 0, stdout: `ccwatch ${version}\n`, stderr: '' });
    const none = await ccwatch([], dir);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('Usage: ccwatch <command>');
  });

  it('ack, unack and history of an unknown alert exit 5', async () => {
    const ddb = ['--ddb-endpoint', inject('ddbEndpoint'), '--table', 'cli-notfound'];
    for (const args of [
      ['ack', 'NOSUCH'],
      ['unack', 'NOSUCH'],
      ['history', 'NOSUCH'],
    ]) {
      const res = await ccwatch([...args, ...ddb], dir);
      expect(res.code, args.join(' ')).toBe(5);
      expect(res.stderr).toMatch(/no alert NOSUCH/);
      expect(res.stdout).toBe('');
    }
  });

  it('run --every: Ctrl-C while waiting exits at once with 130; a run in progress finishes first', async () => {
    const start = (extra: string[] = []) => {
      const child = spawn(
        'node',
        [CLI, 'run', '--config', config, '--secrets', secrets, '--dry-run', '--json', '--every', '1m', ...extra],
        {
          cwd: dir,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' },
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const until = async (re: RegExp) => {
        while (!re.test(stderr)) {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stderr}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      return { child, exited, until, stderr: () => stderr };
    };
    const ddb = ['--ddb-endpoint', inject('ddbEndpoint'), '--table', 'cli-signal'];

    // waiting for the next run
    const waiting = start(ddb);
    await waiting.until(/run 1 done/);
    const sent = Date.now();
    waiting.child.kill('SIGINT');
    expect(await waiting.exited).toBe(130);
    expect(Date.now() - sent).toBeLessThan(2_000);
    expect(waiting.stderr()).not.toMatch(/run 2 at/);

    // in the middle of a run: it finishes (and stores) before the process exits
    sim.addFault({ path: '/saas/cc/openapi/agent/page', kind: 'latency', ms: 1_000, times: 1 });
    const busy = start(ddb);
    await busy.until(/run 1 at/);
    busy.child.kill('SIGTERM');
    expect(await busy.exited).toBe(143);
    sim.clearFaults();
    expect(busy.stderr()).toMatch(/SIGTERM: stopping after this run[\s\S]*run 1 done: 3 source read\(s\) ok/);
    expect(busy.stderr()).not.toMatch(/run 2 at/);
  });

  it('refuses unknown flags and explains usage', async () => {
    const res = await ccwatch(['run', '--config', config, '--bogus'], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/Unknown option '--bogus'/);
    expect(res.stderr).toContain('Usage: ccwatch run');
    expect((await ccwatch(['run', '--help'], dir)).stdout).toContain('--dry-run');
  });

  it('run --dry-run --json: one JSON object per notification, nothing else on stdout; consecutive runs diff', async () => {
    const ddb = ['--ddb-endpoint', inject('ddbEndpoint'), '--table', 'cli-json'];
    const base = ['run', '--config', config, '--secrets', secrets, '--dry-run', '--json', ...ddb];
    sim.setState('huawei', '1003', clock.start, 'break', { reason: 3 });
    clock.set(clock.start + 20 * MIN);
    const first = await ccwatch([...base, '--now', iso(clock.now())], dir);
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const n = JSON.parse(lines[0]!);
    expect(n).toMatchObject({
      channel: 'supervisors',
      target: 'sns',
      severity: 'warning',
      subject: expect.stringContaining('1 firing'),
      sms: expect.any(String),
      email: expect.stringContaining('1003'),
    });
    expect(n.alerts).toEqual([
      expect.objectContaining({
        kind: 'agent',
        source: 'hw-main',
        id: '1003',
        state: 'break',
        status: 'firing',
        rule: 'long-break',
        for: 1200,
      }),
    ]);
    expect(first.stderr).toMatch(/run 1 done/);

    clock.set(clock.start + 21 * MIN);
    expect((await ccwatch([...base, '--now', iso(clock.now())], dir)).stdout).toBe('');
    sim.setState('huawei', '1003', clock.start + 22 * MIN, 'idle');
    clock.set(clock.start + 23 * MIN);
    const third = JSON.parse((await ccwatch([...base, '--now', iso(clock.now())], dir)).stdout);
    expect(third.alerts[0]).toMatchObject({ id: '1003', status: 'resolved' });
  });

  it('exit 3 when a source fails, while the others still run and notify', async () => {
    sim.setState('itnio', '2', clock.now() - 30 * MIN, 'break');
    sim.setState('huawei', '1002', clock.now() - 30 * MIN, 'break');
    sim.addFault({ path: '/saas/cc/openapi/agent/page', kind: 'vendorCode', code: 1003 });
    const res = await ccwatch(
      [
        'run',
        '--config',
        config,
        '--secrets',
        secrets,
        '--dry-run',
        '--json',
        '--ddb-endpoint',
        inject('ddbEndpoint'),
        '--table',
        'cli-fail',
        '--now',
        iso(clock.now()),
      ],
      dir,
    );
    sim.clearFaults();
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/source nx-main failed: .*auth error \(vendor code 1003\)/);
    const alerts = res.stdout
      .trim()
      .split('\n')
      .flatMap((l) => JSON.parse(l).alerts);
    expect(alerts.map((a: { id: string }) => a.id)).toContain('1002');
  });

  it('keeps state in an embedded DynamoDB Local under ./.ccwatch between runs', async () => {
    const own = mkdtempSync(join(tmpdir(), 'ccwatch-cli-own-'));
    const base = ['run', '--config', config, '--secrets', secrets, '--dry-run'];
    sim.setState('huawei', '1004', clock.now() - 40 * MIN, 'break');
    const first = await ccwatch([...base, '--now', iso(clock.now())], own);
    expect(first.stderr).toContain('starting DynamoDB Local');
    expect(first.stdout).toContain('FIRING');
    clock.advance(MIN);
    const second = await ccwatch([...base, '--now', iso(clock.now())], own);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe('');
  }, 60_000);

  it('sim: serves the vendor APIs on the port it prints, until interrupted', async () => {
    const child = spawn('node', [CLI, 'sim', '--port', '0', '--scenario', 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/v3/cc/seat/query`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(await res.json()).toMatchObject({ status: '-1' });
    child.kill('SIGINT');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  });
});
