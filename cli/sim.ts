// `ccwatch sim`: loaded by the CLI only for this command, so other commands never parse the simulator.
import { readFileSync } from 'node:fs';
import { SCENARIOS, type Scenario } from '#simulator/scenarios';
import { VendorSimulator } from '#simulator/server';
import { EXIT, parseFlags, UsageError } from './usage';

export const SIM_HELP = `Usage: ccwatch sim [--port N] [--scenario <name|file>]

Starts the vendor simulator (ITNIO, Huawei CC-CMS and NXCloud contracts) on 127.0.0.1.
Scenarios: ${Object.keys(SCENARIOS).join(', ')}, or a JSON file: a population whose timeline
"at" values are minutes from start. Ctrl-C stops it.`;

function scenarioFromFile(file: string): Scenario {
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  return {
    description: `from ${file}`,
    minutes: 0,
    // timeline "at" values in the file are minutes from start
    population: (t0) =>
      JSON.parse(JSON.stringify(raw), (key, value) => (key === 'at' && typeof value === 'number' ? t0 + value * 60_000 : value)),
  };
}

export async function simCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { port: { type: 'string' }, scenario: { type: 'string' } }, SIM_HELP);
  if (values.help) {
    console.log(SIM_HELP);
    return EXIT.ok;
  }
  const name = values.scenario ?? 'demo';
  const scenario = SCENARIOS[name] ?? (name.endsWith('.json') ? scenarioFromFile(name) : undefined);
  if (!scenario) throw new UsageError(`unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}, or a .json file`);
  const port = values.port !== undefined ? Number(values.port) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
    throw new UsageError(`--port: expected a port number, got "${values.port}"`);
  const sim = await new VendorSimulator({
    population: scenario.population(Date.now()),
    clock: Date.now,
    ...(port !== undefined ? { port } : {}),
  }).start();
  process.stderr.write(`vendor simulator (${name}) listening on ${sim.url}; Ctrl-C to stop\n`);
  console.log(sim.url);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.stop();
  return EXIT.ok;
}
