// `npm run sim`: the vendor simulator on its own, on the real clock, for manual tries.
import { parseArgs } from 'node:util';
import { VendorSimulator } from './server';
import { SCENARIOS } from './scenarios';

const { values } = parseArgs({ options: { port: { type: 'string' }, scenario: { type: 'string', default: 'demo' } } });
const scenario = SCENARIOS[values.scenario ?? 'demo'];
if (!scenario) {
  console.error(`unknown scenario "${values.scenario}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const sim = await new VendorSimulator({ population: scenario.population(Date.now()), clock: Date.now, ...(values.port ? { port: Number(values.port) } : {}) }).start();
console.error(`vendor simulator (${values.scenario}: ${scenario.description}) on ${sim.url}; Ctrl-C to stop`);
process.on('SIGINT', () => void sim.stop().then(() => process.exit(0)));
