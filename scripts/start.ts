// `npm start`: the whole alerting loop on this machine. The vendor simulator plays a 90-minute
// shift on an accelerated clock; DynamoDB Local keeps the snapshots; alerts go through the real
// SNS client to a loopback endpoint, and what an on-call person would receive is printed.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { parseConfig } from '#shared/config/parse';
import { SnsPublisher } from '#shared/notify/publishers';
import { runAgentStatus } from '#shared/run/agent-status';
import { runPreviewTasks } from '#shared/run/preview-tasks';
import { silentLog } from '#shared/runtime/log';
import { Store } from '#shared/store/store';
import { createTableInput } from '#shared/store/table';
import { ReaderPool } from '#shared/vendors/readers';
import { demoConfig, SCENARIOS, SIM_CREDENTIALS } from '#simulator/scenarios';
import { VendorSimulator } from '#simulator/server';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { type ReceivedPublish, SnsEndpoint } from '../local/sns-endpoint';

const MIN = 60_000;
const scenario = SCENARIOS.demo!;
const wall0 = Date.now();
const t0 = Math.floor(wall0 / MIN) * MIN;
let now = t0;
const creds = { accessKeyId: 'local', secretAccessKey: 'local' };

const log = (line: string) => process.stderr.write(`${line}\n`);
log('starting the vendor simulator, DynamoDB Local and the SNS endpoint...');
const [sim, ddbLocal, sns] = await Promise.all([
  new VendorSimulator({ population: scenario.population(t0), clock: () => now }).start(),
  startDynamoDbLocal(),
  new SnsEndpoint().start(),
]);
const ddb = new DynamoDBClient({ endpoint: ddbLocal.endpoint, region: 'us-east-1', credentials: creds });
const snsClient = new SNSClient({ endpoint: sns.endpoint, region: 'us-east-1', credentials: creds });
const topics = {
  supervisors: 'arn:aws:sns:local:000000000000:ccwatch-supervisors',
  oncall: 'arn:aws:sns:local:000000000000:ccwatch-oncall',
};
const channelOf = Object.fromEntries(Object.entries(topics).map(([k, v]) => [v, k]));

try {
  const config = parseConfig(demoConfig(sim.url), 'embedded demo config');
  await ddb.send(new CreateTableCommand(createTableInput('ccwatch-demo')));
  const deps = {
    store: new Store(ddb, 'ccwatch-demo'),
    publisher: new SnsPublisher(snsClient, topics),
    readers: new ReaderPool(async (id) => SIM_CREDENTIALS[id as keyof typeof SIM_CREDENTIALS]),
    log: silentLog,
  };
  const clock = (t: number) => new Date(t).toISOString().slice(11, 16);
  log(`simulating ${scenario.minutes} minutes, one run per simulated minute: ${scenario.description}\n`);
  const print = (m: ReceivedPublish) => {
    const channel = channelOf[m.topicArn] ?? m.topicArn;
    const cfg = config.channels.find((c) => c.id === channel);
    if (cfg?.emails.length)
      console.log(
        `  EMAIL to ${channel} (${cfg.emails.join(', ')})\n  Subject: ${m.subject}\n${m
          .bodies!.email!.split('\n')
          .map((l) => `    ${l}`)
          .join('\n')}\n`,
      );
    if (cfg?.sms.length)
      console.log(`  SMS to ${channel} (${cfg.sms.length} phone${cfg.sms.length > 1 ? 's' : ''}): ${cfg.displayName}> ${m.bodies!.sms}\n`);
  };
  let seen = 0;
  const totals = { runs: 0, sourceFailures: 0, notices: new Map<string, number>() };
  for (let minute = 0; minute <= scenario.minutes; minute++) {
    now = t0 + minute * MIN;
    const tick = new Date(now).toISOString();
    // the two functions, as their schedules would run them
    for (const report of [await runAgentStatus(config, tick, now, deps), await runPreviewTasks(config, tick, now, deps)]) {
      totals.runs++;
      totals.sourceFailures += report.sources.filter((s) => s.status !== 'ok').length;
      for (const d of report.digests)
        for (const n of d.notices) totals.notices.set(`${n.kind} ${n.status}`, (totals.notices.get(`${n.kind} ${n.status}`) ?? 0) + 1);
    }
    const fresh = sns.published.slice(seen);
    seen = sns.published.length;
    if (fresh.length) {
      console.log(`=== ${clock(now)} UTC (minute ${minute}) ${'='.repeat(60)}`);
      fresh.forEach(print);
    }
  }
  console.log('=== summary '.padEnd(80, '='));
  console.log(
    `${totals.runs} function runs over ${scenario.minutes} simulated minutes in ${((Date.now() - wall0) / 1000).toFixed(1)} s; ${sns.published.length} SNS publishes; source failures: ${totals.sourceFailures}`,
  );
  console.log(`alert steps published: ${[...totals.notices].map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`);
  console.log(`DynamoDB capacity used: ${deps.store.consumed.read.toFixed(1)} RCU, ${deps.store.consumed.write.toFixed(1)} WCU`);
  await deps.readers.closeAll();
} finally {
  ddb.destroy();
  snsClient.destroy();
  await Promise.all([sim.stop(), ddbLocal.stop(), sns.stop()]);
}
