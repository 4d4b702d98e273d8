import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeServer, listenLoopback } from '../../local/loopback';
import { buildCli, ccwatch, jsonLines, lines } from '../support/cli';
import { CHANNELS, type Harness, makeHarness, SECRETS, testSources, whoIn } from '../support/harness';

const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (t: number) => new Date(t).toISOString();

const firing = (msgs: ReturnType<Harness['take']>) => whoIn(msgs);

// each test runs the CLI (a process) several times: slow on a loaded machine
describe('ccwatch silence, against the table the functions read', { timeout: 90_000 }, () => {
  let h: Harness;
  let dir: string;
  /** The config the CLI is given: the harness's sources, hw-main in Shanghai (display only). */
  let config: string;
  let state: string[];
  let silenceId: string;
  const cli = (...args: string[]) => ccwatch([...args, ...state], dir);

  beforeAll(async () => {
    await buildCli();
    h = await makeHarness({ config: () => ({ agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }] }) });
    dir = mkdtempSync(join(tmpdir(), 'ccwatch-silence-'));
    config = join(dir, 'ccwatch.json');
    writeFileSync(
      config,
      JSON.stringify({
        sources: testSources(h.sim.url).map((s) => (s.id === 'hw-main' ? { ...s, timezone: 'Asia/Shanghai' } : s)),
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }],
        channels: CHANNELS,
      }),
    );
    state = ['--ddb-endpoint', inject('ddbEndpoint'), '--table', h.store.tableName];
  });
  afterAll(() => h.stop());

  it('silence add keeps one agent quiet on the next tick while another alerts; list shows it', async () => {
    const t = h.clock.now(); // 2026-11-23 09:00 UTC = 17:00 in Shanghai
    const add = await cli(
      'silence',
      'add',
      '--agent',
      'hw-main:1001',
      '--for',
      '2h',
      '--by',
      'ann',
      '--comment',
      'training',
      '--config',
      config,
      '--now',
      iso(t),
    );
    expect(add.code, add.stderr).toBe(0);
    const m = /^silence ([0-9A-Z]{8}) added: agent hw-main:1001, every rule, until 23 Nov, 19:00 GMT\+8 \(2h\)$/m.exec(add.stdout);
    expect(m, add.stdout).not.toBeNull();
    silenceId = m![1]!;

    h.sim.setState('huawei', '1001', t - 20 * MIN, 'break');
    h.sim.setState('huawei', '1002', t - 20 * MIN, 'break');
    await h.run();
    expect(firing(h.take())).toEqual(['1002']);
    // still tracked while silenced
    const snap = (await h.snapshot('hw-main')).find((a) => a.agentId === '1001')!;
    expect(snap).toMatchObject({ state: 'break', run: { ruleId: 'long-break', since: t - 20 * MIN } });
    expect(snap.episodeId).toBeUndefined();

    const list = await cli('silence', 'list', '--config', config, '--now', iso(t));
    expect(list.code, list.stderr).toBe(0);
    expect(lines(list.stdout)).toEqual([
      `${silenceId}  active   agent hw-main:1001  every rule  23 Nov, 17:00 GMT+8 – 23 Nov, 19:00 GMT+8  by ann  "training"`,
    ]);
    // without a config no source's timezone is known: UTC, named
    expect((await cli('silence', 'list', '--now', iso(t))).stdout).toContain('23 Nov, 09:00 UTC – 23 Nov, 11:00 UTC');
    const json = jsonLines((await cli('silence', 'list', '--json', '--now', iso(t))).stdout);
    expect(json).toEqual([
      {
        id: silenceId,
        status: 'active',
        scope: { sources: [], groups: [], agents: ['hw-main:1001'] },
        rules: [],
        startsAt: '2026-11-23T09:00:00.000Z',
        endsAt: '2026-11-23T11:00:00.000Z',
        createdBy: 'ann',
        comment: 'training',
        createdAt: '2026-11-23T09:00:00.000Z',
      },
    ]);
  });

  it('silence expire: the still-true alert fires on the next tick; list, list --all and history tell it', async () => {
    h.clock.advance(MIN);
    const now = iso(h.clock.now());
    const expired = await cli('silence', 'expire', silenceId.toLowerCase(), '--by', 'bob', '--now', now);
    expect(expired.code, expired.stderr).toBe(0);
    expect(expired.stdout).toContain(`silence ${silenceId} expired by bob at 23 Nov, 09:01 UTC: agent hw-main:1001, every rule, by ann`);
    await h.run();
    expect(firing(h.take())).toEqual(['1001']);

    expect((await cli('silence', 'list', '--now', now)).stdout.trim()).toBe('no silences in force or to come');
    const all = await cli('silence', 'list', '--all', '--now', now);
    expect(all.stdout).toMatch(new RegExp(`^${silenceId} {2}expired {2}agent hw-main:1001 .*\\(expired by bob 23 Nov, 09:01 UTC\\)`));
    expect(jsonLines((await cli('silence', 'list', '--all', '--json', '--now', now)).stdout)[0]).toMatchObject({
      id: silenceId,
      status: 'expired',
      expiredBy: 'bob',
      expiredAt: '2026-11-23T09:01:00.000Z',
      endsAt: '2026-11-23T09:01:00.000Z',
    });

    const history = await cli('silence', 'history', '--config', config);
    expect(history.code, history.stderr).toBe(0);
    expect(lines(history.stdout)).toEqual([
      `23 Nov, 17:00 GMT+8  ${silenceId}  created  by ann  agent hw-main:1001, every rule, 23 Nov, 17:00 GMT+8 – 23 Nov, 19:00 GMT+8, "training"`,
      `23 Nov, 17:01 GMT+8  ${silenceId}  expired  by bob  agent hw-main:1001`,
    ]);
    expect(jsonLines((await cli('silence', 'history', silenceId, '--json')).stdout).map((e) => [e.event, e.by, e.at])).toEqual([
      ['created', 'ann', '2026-11-23T09:00:00.000Z'],
      ['expired', 'bob', '2026-11-23T09:01:00.000Z'],
    ]);

    // again: nothing changes, and it says so
    const again = await cli('silence', 'expire', silenceId, '--by', 'carol', '--now', now);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`silence ${silenceId} was already expired by bob`);
    expect(await h.store.silences.history()).toHaveLength(2);
  });

  it('an unknown id: exit 5, named on stderr', async () => {
    const res = await cli('silence', 'expire', 'NOSUCH12', '--by', 'bob');
    expect(res.code).toBe(5);
    expect(res.stderr).toContain('no silence "NOSUCH12"');
    expect(res.stdout).toBe('');
    expect((await cli('silence', 'history', 'NOSUCH12')).code).toBe(5);
  });

  it('bad input is refused with the flag named, exit 1, and nothing is stored', async () => {
    const before = (await h.store.silences.list({ includeEnded: true, now: h.clock.now() })).length;
    const add = (...flags: string[]) => cli('silence', 'add', '--now', iso(h.clock.now()), ...flags);
    const cases: [string[], RegExp][] = [
      [['--agent', 'hw-main:1001', '--for', '1h', '--by', 'ann'], /--comment is required/],
      [['--agent', 'hw-main:1001', '--for', '1h', '--by', 'ann', '--comment', '  '], /--comment: say why/],
      [
        ['--agent', '1001', '--for', '1h', '--by', 'ann', '--comment', 'x'],
        /--agent "1001": expected <source>:<agentId>, e\.g\. hw-main:1001/,
      ],
      [
        ['--source', 'nope', '--for', '1h', '--by', 'ann', '--comment', 'x', '--config', config],
        /--source "nope": no such source; .* has sources itnio-main, hw-main, nx-main/,
      ],
      [['--agent', 'nope:1', '--for', '1h', '--by', 'ann', '--comment', 'x', '--config', config], /--agent "nope:1": no source "nope"/],
      [
        ['--source', 'hw-main', '--rule', 'long-lunch', '--for', '1h', '--by', 'ann', '--comment', 'x', '--config', config],
        /--rule "long-lunch": no such rule; .* has long-break, source-down/,
      ],
      [['--agent', 'hw-main:1001', '--for', 'soon', '--by', 'ann', '--comment', 'x'], /--for: expected a duration like "2h"/],
      [
        ['--agent', 'hw-main:1001', '--until', '2026-11-23T18:00', '--by', 'ann', '--comment', 'x'],
        /--until: expected an ISO-8601 time with its zone/,
      ],
      [
        ['--agent', 'hw-main:1001', '--for', '1h', '--until', '2026-11-23T18:00Z', '--by', 'ann', '--comment', 'x'],
        /--for and --until exclude each other/,
      ],
      [['--agent', 'hw-main:1001', '--by', 'ann', '--comment', 'x'], /--for <duration>.*or --until <time>/],
      [['--for', '1h', '--by', 'ann', '--comment', 'x'], /say what to silence: --agent/],
      [
        ['--all-alerts', '--source', 'hw-main', '--for', '1h', '--by', 'ann', '--comment', 'x'],
        /--all-alerts silences every alert: not with/,
      ],
      [
        ['--agent', 'hw-main:1001', '--source', 'nx-main', '--for', '1h', '--by', 'ann', '--comment', 'x'],
        /--agent "hw-main:1001" is not on --source nx-main/,
      ],
      [['--agent', 'hw-main:1001', '--until', '2026-11-23T08:00Z', '--by', 'ann', '--comment', 'x'], /--until: .* is not after the start/],
      [['--agent', 'hw-main:1001', '--for', '1h', '--by', 'ann', '--comment', 'x', '--bogus'], /Unknown option '--bogus'/],
    ];
    // a few processes at a time: each is a whole CLI start
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4);
      const results = await Promise.all(batch.map(([flags]) => add(...flags)));
      batch.forEach(([flags, message], j) => {
        const res = results[j]!;
        expect(res.code, `${flags.join(' ')}\n${res.stderr}`).toBe(1);
        expect(res.stderr, flags.join(' ')).toMatch(message);
        expect(res.stdout).toBe('');
      });
    }
    expect(await h.store.silences.list({ includeEnded: true, now: h.clock.now() })).toHaveLength(before);
    // fifteen CLI starts: minutes on a loaded machine
  }, 240_000);

  it('--all-alerts with --rule: that rule everywhere; --starts later: pending until then', async () => {
    const t = h.clock.now();
    const res = await cli(
      'silence',
      'add',
      '--all-alerts',
      '--rule',
      'long-break',
      '--starts',
      '2026-11-23T20:00+08:00',
      '--until',
      '2026-11-23T22:00+08:00',
      '--by',
      'ann',
      '--comment',
      'team meeting',
      '--now',
      iso(t),
      '--json',
    );
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      status: 'pending',
      scope: { sources: [], groups: [], agents: [] },
      rules: ['long-break'],
      startsAt: '2026-11-23T12:00:00.000Z',
      endsAt: '2026-11-23T14:00:00.000Z',
    });
    const text = await cli('silence', 'list', '--config', config, '--now', iso(t));
    // every source may be covered, and they are not all in one zone: UTC
    expect(text.stdout).toContain('pending  all alerts  rule long-break  23 Nov, 12:00 UTC – 23 Nov, 14:00 UTC  by ann  "team meeting"');
  });

  it('alerts, ack and history name times in the source timezone with --config, UTC without; --json unchanged', async () => {
    const open = await cli('alerts', '--config', config);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toMatch(
      /tier 1 {2}agent 1002 on hw-main, rule long-break, warning, since 23 Nov, 16:40 GMT\+8 {2}not acknowledged/,
    );
    expect((await cli('alerts')).stdout).toMatch(/agent 1002 on hw-main, rule long-break, warning, since 23 Nov, 08:40 UTC/);
    const json = jsonLines((await cli('alerts', '--json')).stdout);
    const e1002 = json.find((e) => e.subjectId === '1002');
    expect(e1002.startedAt).toBe(h.clock.start - 20 * MIN);

    const id = e1002.episodeId as string;
    const snoozed = await cli('ack', id, '--for', '30m', '--by', 'Bo', '--config', config, '--now', iso(h.clock.now()));
    expect(snoozed.code, snoozed.stderr).toBe(0);
    expect(snoozed.stdout).toContain(
      `${id}: agent 1002 on hw-main, rule long-break, warning, since 23 Nov, 16:40 GMT+8 — snoozed by Bo until 23 Nov, 17:31 GMT+8`,
    );
    const hist = await cli('history', id, '--config', config);
    expect(hist.stdout).toContain('  23 Nov, 17:01 GMT+8  snoozed  by Bo until 23 Nov, 17:31 GMT+8');
    expect((await cli('history', id)).stdout).toContain('  23 Nov, 09:01 UTC  snoozed  by Bo until 23 Nov, 09:31 UTC');
    expect(JSON.parse((await cli('history', id, '--json')).stdout).events.at(-1)).toMatchObject({ event: 'snoozed', by: 'Bo' });
  });
});

describe('ccwatch run --stack: secrets from Secrets Manager under the stack name', { timeout: 90_000 }, () => {
  let h: Harness;
  let server: Server;
  let endpoint: string;
  const asked: string[] = [];

  beforeAll(async () => {
    await buildCli();
    h = await makeHarness({ config: () => ({ agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }] }) });
    // a fake Secrets Manager holding the harness's credentials as a stack "Ccwatch" names them
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const body = JSON.parse(raw || '{}');
        const reply = (status: number, json: unknown) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(json));
        };
        if (target !== 'secretsmanager.GetSecretValue') return reply(400, { __type: 'InvalidRequestException', Message: target });
        asked.push(body.SecretId);
        const [stack, ...rest] = String(body.SecretId).split('/');
        const value = stack === 'Ccwatch' ? SECRETS[rest.join('/')] : undefined;
        if (!value) return reply(400, { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
        reply(200, {
          ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${body.SecretId}`,
          Name: body.SecretId,
          VersionId: 'v1',
          SecretString: JSON.stringify(value),
        });
      });
    });
    endpoint = await listenLoopback(server);
  });
  afterAll(async () => {
    await closeServer(server);
    await h.stop();
  });

  const ccwatchEnv = (args: string[], cwd: string) => ccwatch(args, cwd, { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint });

  it('reads <stack>/<secretId> for every source; --stack with --secrets is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccwatch-run-stack-'));
    const config = join(dir, 'ccwatch.json');
    writeFileSync(
      config,
      JSON.stringify({
        sources: testSources(h.sim.url),
        agentRules: [{ id: 'long-break', states: ['break'], after: '15m' }],
        channels: CHANNELS,
      }),
    );
    h.sim.setState('huawei', '1003', h.clock.now() - 20 * MIN, 'break');
    const base = ['run', '--config', config, '--dry-run', '--json', '--ddb-endpoint', inject('ddbEndpoint'), '--table', h.store.tableName];
    const res = await ccwatchEnv([...base, '--stack', 'Ccwatch', '--now', iso(h.clock.now())], dir);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/3 source read\(s\) ok, 0 failed/);
    expect([...new Set(asked)].sort()).toEqual(['Ccwatch/test/huawei', 'Ccwatch/test/itnio', 'Ccwatch/test/nxcloud']);
    expect(jsonLines(res.stdout).flatMap((n) => n.alerts.map((a: { id: string }) => a.id))).toContain('1003');

    // without --stack the secretIds are read as written: not there, so every source fails
    asked.length = 0;
    h.clock.advance(HOUR);
    const plain = await ccwatchEnv([...base, '--now', iso(h.clock.now())], dir);
    expect(plain.code).toBe(3);
    expect([...new Set(asked)].sort()).toEqual(['test/huawei', 'test/itnio', 'test/nxcloud']);

    const both = await ccwatchEnv([...base, '--stack', 'Ccwatch', '--secrets', join(dir, 'secrets.json')], dir);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--stack names Secrets Manager secrets: not with --secrets');
  });
});
