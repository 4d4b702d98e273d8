// The first hour (issue 15): `ccwatch sim --speed 30`, the examples it prints, and an alert within a minute.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parseConfigText } from '#shared/config/parse';
import { SIM_CREDENTIALS, SIM_PORT, scenarioClock, simSources } from '#simulator/scenarios';
import { buildCli, CLI, ccwatch } from '../support/cli';

const CONFIG = 'examples/sim.config.jsonc';
const SECRETS = 'examples/sim.secrets.json';

describe('the first hour: simulator and examples', () => {
  const children: ChildProcessByStdio<null, Readable, Readable>[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('the examples config passes check-config', async () => {
    await buildCli();
    const res = await ccwatch(['check-config', CONFIG]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`${CONFIG}: valid (3 sources`);
  });

  it("points at the simulator's default port, with the credentials the simulator accepts", () => {
    const cfg = parseConfigText(readFileSync(CONFIG, 'utf8'), CONFIG);
    const expected = simSources(`http://127.0.0.1:${SIM_PORT}`);
    for (const want of expected) {
      const got = cfg.sources.find((s) => s.id === want.id);
      expect(got, want.id).toMatchObject(want);
    }
    expect(cfg.sources).toHaveLength(expected.length);
    expect(JSON.parse(readFileSync(SECRETS, 'utf8'))).toEqual(SIM_CREDENTIALS);
  });

  it('the simulated clock runs N times as fast and replays the scenario; a time in state, once told, grows in real time', () => {
    const t0 = 1_000_000;
    let wall = t0;
    const clock = scenarioClock(t0, 30, 90, () => wall);
    wall += 60_000;
    expect(clock.now() - t0).toBe(30 * 60_000);
    expect(clock.at(t0 + 2_000)).toBe(t0 + 60_000);
    // a state entered at simulated minute 5: 25 minutes long when first asked about, a minute later 26
    expect(clock.timeInStateSec('a', t0 + 5 * 60_000, clock.now())).toBe(25 * 60);
    wall += 60_000;
    expect(clock.timeInStateSec('a', t0 + 5 * 60_000, clock.now())).toBe(26 * 60);
    // another agent's state, first asked about now, is as long as the sped-up clock says
    expect(clock.timeInStateSec('b', t0, clock.now())).toBe(60 * 60);
    wall += 2 * 60_000; // 120 simulated minutes: 30 into the replay, the same state afresh
    expect(clock.now() - t0).toBe(30 * 60_000);
    expect(clock.timeInStateSec('a', t0 + 5 * 60_000, clock.now())).toBe(25 * 60);
    expect(scenarioClock(t0, 1, 90, () => wall).timeInStateSec('a', t0, t0 + 90_000)).toBe(90);
  });

  it('sim --speed 30: an alert on the first run a few seconds after the simulator starts', async () => {
    await buildCli();
    const child = spawn('node', [CLI, 'sim', '--speed', '30', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((ok) => child.stdout.once('data', (d: Buffer) => ok(d.toString().split('\n')[0]!.trim())));
    // timed from the URL: the simulated clock starts before the sim prints it, and Node's start-up
    // on a loaded machine (a second or two) would otherwise eat the simulated minutes waited for
    const started = Date.now();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // another port than the examples': the sim says so, and how to run them
    expect(stderr).toContain('demo, 30x');
    expect(stderr).toContain(`${CONFIG} points at port ${SIM_PORT}`);
    expect(stderr).toContain(`npx ccwatch run --config ${CONFIG} --secrets ${SECRETS} --dry-run --every 1m`);

    const dir = mkdtempSync(join(tmpdir(), 'ccwatch-first-hour-'));
    const config = join(dir, 'sim.config.jsonc');
    writeFileSync(config, readFileSync(CONFIG, 'utf8').replaceAll(`http://127.0.0.1:${SIM_PORT}`, url));
    // Huawei 1003 is on a call from the shift's start: 3 simulated minutes (the rule) are 6 real seconds
    await new Promise((r) => setTimeout(r, Math.max(0, started + 6_500 - Date.now())));
    const tick = async () => {
      const args = ['run', '--config', config, '--secrets', resolve(SECRETS), '--dry-run', '--json'];
      const res = await ccwatch([...args, '--ddb-endpoint', inject('ddbEndpoint'), '--table', 'first-hour'], dir);
      expect(res.code, res.stderr).toBe(0);
      return res.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .flatMap((l) => JSON.parse(l).alerts as { id: string; rule: string; status: string; for: number }[]);
    };
    const firstAt = Date.now();
    const first = await tick();
    const elapsedSec = (Date.now() - started) / 1000;
    const call = first.find((a) => a.id === '1003' && a.rule === 'on-a-call');
    expect(call).toMatchObject({ kind: 'agent', source: 'huawei-sim', status: 'firing', state: 'busy' });
    // the vendor's time in state ran 30x: minutes of it within seconds of real time
    expect(call!.for).toBeGreaterThanOrEqual(180);
    expect(call!.for).toBeGreaterThan(10 * elapsedSec);
    // a second run 5 s (2.5 simulated minutes) later: the same call, neither resolved nor raised again
    await new Promise((r) => setTimeout(r, Math.max(0, firstAt + 5_000 - Date.now())));
    const second = await tick();
    expect(second.filter((a) => a.id === '1003')).toEqual([]);

    child.kill('SIGINT');
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
  }, 60_000);
});
