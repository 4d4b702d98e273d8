// Interim `npm start`: polls each simulated vendor once and prints the normalized agents.
import { VendorSimulator } from '#simulator/server';
import { SCENARIOS, SIM_CREDENTIALS, simSources } from '#simulator/scenarios';
import { SourceSchema, createAgentReader } from '#shared/vendors/index';

const t0 = Date.now();
const scenario = SCENARIOS.demo!;
const sim = await new VendorSimulator({ population: scenario.population(t0), clock: () => t0 + 15 * 60_000 }).start();
try {
  for (const raw of simSources(sim.url)) {
    const source = SourceSchema.parse(raw);
    const reader = createAgentReader(source, SIM_CREDENTIALS[source.secretId as keyof typeof SIM_CREDENTIALS]);
    try {
      const agents = await reader.readAgents(t0 + 15 * 60_000);
      console.log(`\n${source.id} (${source.vendor}): ${agents.length} agents`);
      console.table(agents.map((a) => ({ agent: a.agentId, name: a.name, groups: a.groups.join(','), state: a.state, vendor: a.vendorState, reason: a.reason ?? '', inStateForSec: a.inStateForSec ?? '', inferred: a.inferred ?? false })));
    } finally {
      await reader.close();
    }
  }
} finally {
  await sim.stop();
}
