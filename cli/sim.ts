// `ccwatch sim`: loaded by the CLI only for this command, so other commands never parse the simulator.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseJsonc } from '#shared/config/jsonc';
import { SCENARIOS, type Scenario, SIM_PORT, scenarioClock } from '#simulator/scenarios';
import { VendorSimulator } from '#simulator/server';
import { packageRoot } from './package-root';
import { EXIT, parseFlags, UsageError } from './usage';

export const SIM_HELP = `Usage: ccwatch sim [--port N] [--speed N] [--scenario <name|file>]

Starts the vendor simulator (ITNIO, Huawei CC-CMS and NXCloud contracts) on 127.0.0.1, port
${SIM_PORT} unless --port says otherwise (0: any free port); the URL is printed on stdout, the
rest on stderr. examples/sim.config.jsonc and examples/sim.secrets.json are a config and the
credentials for it, and the command to run them is printed.
  --port N               listen on this port (default ${SIM_PORT}, where the examples point)
  --speed N              run the simulated clock N times as fast (default 1): agents change state N
                         times as often, and the time in state Huawei reports (currentStateTime) is
                         N times as long when first asked about (then it grows in real time, as
                         ccwatch's own clock does). ITNIO and NXCloud report no time in state:
                         ccwatch counts it from its own observations, so their alerts come no sooner.
  --scenario <name>      ${Object.keys(SCENARIOS).join(', ')} (default demo), or a JSON file: a population whose
                         timeline "at" values are minutes from start
A named scenario replays from its start when it ends (the demo every 90 simulated minutes: every
3 minutes at --speed 30). Ctrl-C stops it.`;

function scenarioFromFile(file: string): Scenario {
  let raw: unknown;
  try {
    raw = parseJsonc(readFileSync(file, 'utf8'));
  } catch (err) {
    const at = err as { line?: number; column?: number };
    throw new UsageError(`--scenario ${file}${at.line ? `:${at.line}:${at.column}` : ''}: ${(err as Error).message}`);
  }
  return {
    description: `from ${file}`,
    minutes: 0,
    // timeline "at" values in the file are minutes from start
    population: (t0) =>
      JSON.parse(JSON.stringify(raw), (key, value) => (key === 'at' && typeof value === 'number' ? t0 + value * 60_000 : value)),
  };
}

/** A path as the user would type it from here: relative when under the working directory. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : path;
}

/** What to run against this simulator: the examples, when they fit it. */
function nextSteps(port: number, named: boolean): string[] {
  const root = packageRoot();
  const config = root && join(root, 'examples', 'sim.config.jsonc');
  const secrets = root && join(root, 'examples', 'sim.secrets.json');
  if (!config || !secrets || !existsSync(config) || !existsSync(secrets)) return [];
  if (!named) return [`A scenario file brings its own credentials: ${shown(config)} fits the named scenarios.`];
  const run = `npx ccwatch run --config ${shown(config)} --secrets ${shown(secrets)} --dry-run --every 1m`;
  if (port !== SIM_PORT)
    return [
      `${shown(config)} points at port ${SIM_PORT}; this simulator listens on ${port}: copy it, change its three`,
      `"baseUrl" values to http://127.0.0.1:${port}, and run that copy with ${shown(secrets)}:`,
      `  ${run}`,
    ];
  return [
    `A config for it: ${shown(config)}; its credentials: ${shown(secrets)}. In another terminal:`,
    `  ${run}`,
    '(--dry-run prints each email and SMS instead of sending it; state is kept in ./.ccwatch)',
  ];
}

export async function simCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { port: { type: 'string' }, speed: { type: 'string' }, scenario: { type: 'string' } }, SIM_HELP);
  if (values.help) {
    console.log(SIM_HELP);
    return EXIT.ok;
  }
  const name = values.scenario ?? 'demo';
  const named = SCENARIOS[name];
  const scenario = named ?? (name.endsWith('.json') || name.endsWith('.jsonc') ? scenarioFromFile(name) : undefined);
  if (!scenario) throw new UsageError(`unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}, or a .json file`);
  const port = values.port !== undefined ? Number(values.port) : SIM_PORT;
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535) throw new UsageError(`--port: expected a port number, got "${values.port}"`);
  const speed = values.speed !== undefined ? Number(values.speed) : 1;
  if (!Number.isFinite(speed) || speed <= 0 || speed > 3600)
    throw new UsageError(`--speed: expected how many times faster than real time, from 0.1 to 3600 (e.g. 30), got "${values.speed}"`);

  const t0 = Date.now();
  const clock = scenarioClock(t0, speed, scenario.minutes);
  let sim: VendorSimulator;
  try {
    sim = await new VendorSimulator({
      population: scenario.population(t0),
      clock: clock.now,
      timelineAt: clock.at,
      timeInStateSec: clock.timeInStateSec,
      port,
    }).start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UsageError(
        `port ${port} is in use (another ccwatch sim?): stop that, or pass --port N and point the config's baseUrl there`,
      );
    throw err;
  }
  const listening = Number(new URL(sim.url).port);
  const pace = speed === 1 ? '' : `, ${speed}x`;
  const replay =
    scenario.minutes > 0
      ? ` ${scenario.minutes} simulated minutes${speed === 1 ? '' : ` (${+(scenario.minutes / speed).toFixed(1)} real minutes)`}, then it replays.`
      : '';
  process.stderr.write(
    [
      `vendor simulator (${name}${pace}) listening on ${sim.url}; Ctrl-C to stop`,
      `${scenario.description}.${replay}`,
      ...nextSteps(listening, named !== undefined),
      '',
    ].join('\n'),
  );
  console.log(sim.url);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.stop();
  return EXIT.ok;
}
