// ccwatch: the operator CLI. Runs the same core as the Lambda functions, on this machine.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { ParseArgsConfig } from 'node:util';
import { SNSClient } from '@aws-sdk/client-sns';
import { describeEpisode, setAcknowledgment } from '#shared/ack/acknowledge';
import { ConfigError, parseConfigText } from '#shared/config/parse';
import type { Config } from '#shared/config/schema';
import { parseDuration } from '#shared/model/duration';
import { targetPublisher } from '#shared/notify/deliver';
import { CollectingPublisher, type Publisher } from '#shared/notify/publishers';
import { targetKey, targetsOf } from '#shared/notify/targets';
import { type RunReport, runAgentStatus } from '#shared/run/agent-status';
import { FUNCTIONS } from '#shared/run/functions';
import { runPreviewTasks } from '#shared/run/preview-tasks';
import { budgetFor } from '#shared/run/types';
import { stageUnits } from '#shared/run/units';
import { mapLimit } from '#shared/runtime/concurrency';
import type { Log } from '#shared/runtime/log';
import { Store } from '#shared/store/store';
import { ReaderPool } from '#shared/vendors/readers';
import { localState } from './local-state';
import { notificationJson, notificationText } from './notifications';
import { packageVersion } from './package-root';
import { secretLoaderFor } from './secrets-file';
import { timeAt, zonesOf } from './times';
import { EXIT, parseFlags, UsageError } from './usage';

const HELP: Record<string, string> = {
  main: `ccwatch — call-center alerting, run locally

Usage: ccwatch <command> [options]

Commands:
  check-config <file>   validate a config file; every error with its path
  run --config <file>   run the agent-status and preview-tasks functions
  sim                   start the vendor simulator (--speed 30: a shift in 3 minutes)
  alerts                list open alerts (tier, since, acknowledged by)
  ack <id>              acknowledge an alert, or snooze it with --for
  unack <id>            take an acknowledgment back: repeats and escalation resume
  history <id>          an alert's events: fired, notified, acked, escalated, resolved
  secrets set <source>  enter a source's credentials; stored only once the vendor accepts them
  verify                check every source: reachable, signed, clock skew, agent count
  silence add|list|expire|history
                        silence an agent, group or source for a while, at runtime (no deploy)
Run 'ccwatch <command> --help' for a command's options; 'ccwatch --version' (-v) for the version.
First time? 'ccwatch sim --speed 30' starts the simulator and prints what to run against it.`,
  'check-config': `Usage: ccwatch check-config <file>

Validates a ccwatch config file (JSON, or JSONC: // and /* */ comments and trailing commas).
Prints every problem on stderr with its path (e.g. "agentRules[2].after: expected a duration like
\\"15m\\""), a syntax error with its line and column ("ccwatch.config.json:12:5: expected ...").
Exit codes: 0 valid, 2 invalid.`,
  run: `Usage: ccwatch run --config <file> [options]

Runs the agent-status and preview-tasks functions against the config's sources.

Options:
  --config <file>         the ccwatch config (required)
  --secrets <file>        JSON mapping each secretId of the config to its credential object;
                          without it, secrets are read from AWS Secrets Manager
  --stack <name>          read the secrets a deployed stack made: <stack>/<secretId> (not with --secrets)
  --once                  one run (the default)
  --every <duration>      run repeatedly, e.g. 1m, until interrupted (Ctrl-C, SIGTERM): no further
                          run starts, a run in progress finishes storing; a second Ctrl-C stops at once
  --dry-run               publish nothing: print every notification instead
  --json                  with --dry-run: one JSON object per notification per line on stdout
  --now <ISO-8601>        the run's logical clock (replaying a timeline); advances by --every.
                          Vendor requests are always signed with the wall clock.
  --ddb-endpoint <url>    DynamoDB endpoint; default: DynamoDB Local kept under ./.ccwatch
  --table <name>          table name (default ccwatch; created if missing)
  --verbose               debug logs on stderr
  -h, --help              this help

Without --dry-run, notifications go to SNS: CCWATCH_TOPICS must map each channel id to a topic
ARN (JSON), and the normal AWS credential chain and endpoint settings apply.
A source whose secret still holds the deploy's placeholder values (REPLACE_ME) is "not configured":
not read, never counted toward "source down", never notified, its state kept.
Logs and progress go to stderr. Exit codes: 0 every source answered, 3 some source failed or is
not configured, 2 invalid config or secrets, 1 usage error; stopped by a signal, 128 + its number:
130 Ctrl-C (SIGINT), 143 SIGTERM, 129 SIGHUP.`,
  ack: `Usage: ccwatch ack <id> [--for <duration>] [--by <name>] [--source <id>] [state options]

Acknowledges an open alert: no repeats and no escalation until it resolves, or, with --for,
until the snooze ends. A resolved alert is refused and nothing changes.
  --for <duration>   snooze for this long (e.g. 30m) instead of until resolved
  --by <name>        who acknowledges (default: your user name)
  --source <id>      only needed when two sources share the alert id
  --now <ISO-8601>   the logical time of the acknowledgment (replaying a timeline with run --now)
  --config <file>    show times in the source's timezone (without it: UTC)
${'STATE'}
Exit codes: 0 done, 5 no such alert, 2 refused: the alert has resolved, or two sources share the id
(add --source); 1 usage error.`,
  unack: `Usage: ccwatch unack <id> [--by <name>] [--source <id>] [--now <ISO-8601>] [--config <file>] [state options]

Takes an acknowledgment back: repeats and escalation resume.
  --config <file>    show times in the source's timezone (without it: UTC)
${'STATE'}
Exit codes: 0 done, 5 no such alert, 2 refused: the alert has resolved, or two sources share the id
(add --source); 1 usage error.`,
  alerts: `Usage: ccwatch alerts [--config <file>] [--json] [state options]

Lists open alerts, newest first: id, subject, rule, tier, since, acknowledged by, and the level an
escalation policy reached.
  --config <file>   also list the config's sources that are not configured (their secret still
                    holds the deploy's placeholders: not read, never paged), first; with --json as
                    {"kind":"not-configured","source","secretId","since","functions"}; and show
                    times in each source's timezone (without it: UTC; --json keeps epoch ms)
${'STATE'}`,
  secrets: `Usage: ccwatch secrets set <source> [--config <file>] [--aws [--stack <name>] | --secrets <file>]

Asks for the source's credential fields (ITNIO apiKey, apiSecret; Huawei ak, sk; NXCloud
accessKey, accessSecret), secret ones without echo. When stdin is not a terminal, reads them from
stdin: a JSON object, or key=value lines. Checks them with one signed request to the vendor (as
'ccwatch verify' does) and stores them only when the vendor accepts them:
  --aws              in AWS Secrets Manager, as a new version; normal AWS credentials and region
  --stack <name>     with --aws: the deployed stack's secret, <stack>/<secretId> (its output
                     SecretNames), created if missing; without it the secretId as written, which
                     must exist
  --secrets <file>   in this JSON file of secretId -> credentials (default ./.ccwatch/secrets.json),
                     written atomically with mode 0600; 'ccwatch run --secrets <file>' reads it
  --config <file>    the config naming the source (default ./ccwatch.config.json)
Exit codes: 0 verified and stored, 4 the vendor refused them or could not be reached (nothing
stored), 2 invalid config or secrets file, 1 usage error or invalid input.`,
  verify: `Usage: ccwatch verify [--config <file>] [--secrets <file> | --stack <name>] [--json]

Checks every source of the config with one signed request each (ITNIO and NXCloud: the first
agent page, of size 1; Huawei: the status of one configured agent) and prints a line per source:
  reachable      an HTTP answer came back, and the round trip in ms
  signed         the vendor accepted the credentials and the signature's timestamp
  clock skew     the vendor's clock (its HTTP Date header) minus this machine's; over 60 s is
                 flagged: ITNIO and Huawei signatures carry a timestamp (NXCloud accepts ±60 s),
                 so a skewed clock gets requests refused
  agents         the vendor's agent total from the same answer, or n/a (Huawei's has none)
A source whose secret still holds the deploy's placeholders is reported as not configured.
  --config <file>    the ccwatch config (default ./ccwatch.config.json)
  --secrets <file>   JSON mapping each secretId to its credentials; without it, AWS Secrets Manager
  --stack <name>     read the secrets a deployed stack made: <stack>/<secretId>
  --json             one JSON object per source per line: source, vendor, secretId, ok, reachable,
                     latencyMs, httpStatus, signed, clockSkewSec, clockSkewWarning, agents,
                     errorKind, error
Exit codes: 0 every source verified, 4 some source failed (unreachable, refused, not configured),
2 invalid config or secrets file, 1 usage error.`,
  history: `Usage: ccwatch history <id> [--json] [--config <file>] [state options]

Prints an alert's events in order: fired, notified (which channel), acked/snoozed (by whom),
escalated, resolved.
  --config <file>   show times in the source's timezone (without it: UTC; --json keeps epoch ms)
${'STATE'}
Exit codes: 0 found, 5 no such alert (resolved alerts are kept 30 days), 1 usage error.`,
};

const STATE_HELP = `State options:
  --aws                  the deployed table (normal AWS credentials and region); needs --table
  --table <name>         table name (local default: ccwatch)
  --ddb-endpoint <url>   a DynamoDB endpoint; default: DynamoDB Local kept under ./.ccwatch`;
for (const k of ['ack', 'unack', 'alerts', 'history']) HELP[k] = HELP[k]!.replace('STATE', STATE_HELP);

const STATE_OPTIONS = { aws: { type: 'boolean' }, table: { type: 'string' }, 'ddb-endpoint': { type: 'string' } } as const;

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, command: string) {
  return parseFlags(args, options, HELP[command] ?? HELP.main!);
}

function parseNow(text: string): number {
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(t))
    throw new UsageError(`--now: expected an ISO-8601 time like 2026-11-23T09:00:00Z, got "${text}"`);
  return t;
}

const stderrLog = (verbose: boolean): Log => {
  const put = (level: string) => (message: string, extra: Record<string, unknown>) => {
    if (level === 'debug' && !verbose) return;
    process.stderr.write(`${level}: ${message}${Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : ''}\n`);
  };
  return { debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') };
};

function readConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`(file): cannot read: ${(err as Error).message}`]);
  }
  return parseConfigText(text, file);
}

function checkConfig(args: string[]): number {
  const { values, positionals } = parse(args, {}, 'check-config');
  if (values.help) {
    console.log(HELP['check-config']);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`check-config takes one file\n\n${HELP['check-config']}`);
  try {
    const cfg = readConfig(positionals[0]!);
    console.log(
      `${positionals[0]}: valid (${cfg.sources.length} sources, ${cfg.agentRules.length} agent rules, ${cfg.taskRules.length} task rules, ${cfg.channels.length} channels)`,
    );
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.lines()) process.stderr.write(`${line}\n`);
    return EXIT.invalid;
  }
}

async function runCommand(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    {
      config: { type: 'string' },
      secrets: { type: 'string' },
      stack: { type: 'string' },
      once: { type: 'boolean' },
      every: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      now: { type: 'string' },
      'ddb-endpoint': { type: 'string' },
      table: { type: 'string' },
      verbose: { type: 'boolean' },
    },
    'run',
  );
  if (values.help) {
    console.log(HELP.run);
    return EXIT.ok;
  }
  if (!values.config) throw new UsageError(`--config is required\n\n${HELP.run}`);
  if (values.once && values.every) throw new UsageError('--once and --every exclude each other');
  if (values.json && !values['dry-run']) throw new UsageError('--json prints notifications instead of sending them: use it with --dry-run');
  const every = values.every !== undefined ? parseDuration(values.every) : undefined;
  if (values.every !== undefined && !every) throw new UsageError(`--every: expected a duration like "1m", got "${values.every}"`);
  let logicalNow = values.now !== undefined ? parseNow(values.now) : undefined;

  const config = readConfig(values.config);
  const log = stderrLog(values.verbose ?? false);
  const progress = (s: string) => process.stderr.write(`${s}\n`);
  const loadSecret = secretLoaderFor(values, config);

  let publisher: Publisher;
  let sns: SNSClient | undefined;
  if (values['dry-run']) {
    publisher = new CollectingPublisher((d) =>
      process.stdout.write(values.json ? `${JSON.stringify(notificationJson(d))}\n` : notificationText(d)),
    );
  } else {
    let topics: Record<string, string>;
    try {
      topics = JSON.parse(process.env.CCWATCH_TOPICS ?? '');
    } catch {
      throw new UsageError(
        'sending needs CCWATCH_TOPICS (JSON: channel id -> SNS topic ARN, and <id>:chat -> its chat topic); or use --dry-run',
      );
    }
    const missing = config.channels.flatMap((c) =>
      targetsOf(c)
        .filter((k) => k === 'sns' || k === 'chat')
        .map((k) => targetKey(c.id, k))
        .filter((key) => !topics[key]),
    );
    if (missing.length) throw new UsageError(`CCWATCH_TOPICS has no topic for: ${missing.join(', ')}`);
    sns = new SNSClient({});
    publisher = targetPublisher({ config, sns, topics, loadSecret, log });
  }

  // Ctrl-C (SIGINT), SIGTERM, SIGHUP: no further run starts. Before the first run, and while
  // waiting for the next, that is at once; a run in progress finishes storing (its reads end at
  // their deadline at the latest). A second signal exits at once. Exit 128 + the signal's number.
  const SIGNAL_EXIT = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated, SIGHUP: EXIT.hangup } as const;
  let stopped: keyof typeof SIGNAL_EXIT | undefined;
  let phase: 'starting' | 'running' | 'waiting' = 'starting';
  let wake = () => {};
  const onSignal = (signal: keyof typeof SIGNAL_EXIT) => {
    // nothing to finish yet, or told twice: the embedded DynamoDB Local, if any, is killed on exit
    if (stopped || phase === 'starting') process.exit(SIGNAL_EXIT[stopped ?? signal]);
    stopped = signal;
    progress(phase === 'running' ? `${signal}: stopping after this run (again to stop at once)...` : `${signal}: stopping`);
    wake();
  };
  const signals = Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[];
  for (const s of signals) process.on(s, onSignal);

  const state = await localState(values['ddb-endpoint'], values.table, progress, false, true);
  const readers = new ReaderPool(loadSecret);
  const deps = { store: new Store(state.client, state.table, log), publisher, readers, log };
  let code: number = EXIT.ok;
  try {
    for (let i = 0; !stopped; i++) {
      phase = 'running';
      const now = logicalNow ?? Date.now();
      // the tick id: the logical minute, so a replayed time is one tick, like a schedule's
      const tick = new Date(Math.floor(now / 1000) * 1000).toISOString();
      progress(`run ${i + 1} at ${new Date(now).toISOString()}: ${config.sources.length} source(s)...`);
      // a run must be done before the next: its deadline is the interval (--every, else the config's)
      const intervalMs = (every ?? config.schedule.every) * 1000;
      const budget = () => budgetFor(Date.now(), Math.max(5_000, intervalMs - 5_000));
      const reports: RunReport[] = [await runAgentStatus(config, tick, now, deps, budget())];
      // stopped meanwhile: the preview-tasks function's run is a further run, not started
      if (config.taskRules.length && !stopped) reports.push(await runPreviewTasks(config, tick, now, deps, budget()));
      const failed = reports.flatMap((r) => r.sources).filter((s) => s.status === 'failed' || s.status === 'store-error');
      for (const s of failed) progress(`source ${s.source} failed: ${s.error}`);
      // not a failure (never "source down", never paged), but not read either
      const unconfigured = [
        ...new Map(
          reports
            .flatMap((r) => r.sources)
            .filter((s) => s.status === 'not-configured')
            .map((s) => [s.source, s]),
        ).values(),
      ];
      for (const s of unconfigured) progress(`source ${s.source} not configured: ${s.error}`);
      const sent = reports.reduce((n, r) => n + r.digests.length, 0);
      progress(
        `run ${i + 1} done: ${reports.flatMap((r) => r.sources).filter((s) => s.status === 'ok').length} source read(s) ok, ${failed.length} failed, ${unconfigured.length ? `${unconfigured.length} not configured, ` : ''}${sent} notification(s)`,
      );
      code = failed.length || unconfigured.length ? EXIT.sourceFailed : EXIT.ok;
      if (!every || stopped) break;
      phase = 'waiting';
      // a signal while waiting ends the wait, and the loop
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, every * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (logicalNow !== undefined) logicalNow += every * 1000;
    }
  } finally {
    await readers.closeAll();
    sns?.destroy();
    await state.stop();
    for (const s of signals) process.off(s, onSignal);
  }
  return stopped ? SIGNAL_EXIT[stopped] : code;
}

async function withStore<T>(
  values: { aws?: boolean | undefined; table?: string | undefined; 'ddb-endpoint'?: string | undefined },
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  if (values.aws && !values.table) throw new UsageError('--aws needs --table <name> (the stack output TableName)');
  const state = await localState(values['ddb-endpoint'], values.table, (s) => process.stderr.write(`${s}\n`), values.aws ?? false);
  try {
    return await fn(new Store(state.client, state.table));
  } finally {
    await state.stop();
  }
}

async function ackCommand(args: string[], clear: boolean): Promise<number> {
  const command = clear ? 'unack' : 'ack';
  const { values, positionals } = parse(
    args,
    {
      ...STATE_OPTIONS,
      for: { type: 'string' },
      by: { type: 'string' },
      source: { type: 'string' },
      now: { type: 'string' },
      config: { type: 'string' },
    },
    command,
  );
  if (values.help) {
    console.log(HELP[command]);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`${command} takes one alert id\n\n${HELP[command]}`);
  if (clear && values.for) throw new UsageError('unack takes no --for');
  const snoozeSec = values.for !== undefined ? parseDuration(values.for) : undefined;
  if (values.for !== undefined && !snoozeSec) throw new UsageError(`--for: expected a duration like "30m", got "${values.for}"`);
  const by = values.by ?? userInfo().username;
  const now = values.now !== undefined ? parseNow(values.now) : Date.now();
  const zoneOf = zonesOf(values.config !== undefined ? readConfig(values.config) : undefined);
  const result = await withStore(values, (store) =>
    setAcknowledgment(store, { episodeId: positionals[0]!, source: values.source, by, snoozeSec, clear, now }),
  );
  if (!result.ok) {
    process.stderr.write(`ccwatch: ${result.message}\n`);
    return result.reason === 'not-found' ? EXIT.notFound : EXIT.invalid;
  }
  const e = result.episode;
  const what =
    result.action === 'unacked'
      ? 'no longer acknowledged; repeats and escalation resume'
      : result.action === 'snoozed'
        ? `snoozed by ${by} until ${timeAt(e.snoozeUntil!, zoneOf, e.source)}`
        : `acknowledged by ${by} until it resolves`;
  console.log(`${e.episodeId}: ${describeEpisode(e, (ms) => timeAt(ms, zoneOf, e.source))} — ${what}`);
  return EXIT.ok;
}

interface NotConfigured {
  kind: 'not-configured';
  source: string;
  secretId: string;
  since: number;
  functions: string[];
}

/** The config's sources whose health says their secret still holds the deploy's placeholders. */
async function notConfiguredSources(store: Store, config: Config): Promise<NotConfigured[]> {
  const units = Object.values(FUNCTIONS).flatMap((def) => stageUnits(def.sources(config)).map((u) => ({ fn: def.fn, u })));
  const healths = await mapLimit(units, 16, ({ fn, u }) => store.health.load(fn, u.key));
  const out = new Map<string, NotConfigured>();
  units.forEach(({ fn, u }, i) => {
    const nc = healths[i]?.notConfigured;
    if (!nc) return;
    const e = out.get(u.source.id) ?? {
      kind: 'not-configured',
      source: u.source.id,
      secretId: nc.secretId,
      since: nc.since,
      functions: [],
    };
    e.since = Math.min(e.since, nc.since);
    if (!e.functions.includes(fn)) e.functions.push(fn);
    out.set(u.source.id, e);
  });
  return [...out.values()];
}

async function alertsCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { ...STATE_OPTIONS, json: { type: 'boolean' }, config: { type: 'string' } }, 'alerts');
  if (values.help) {
    console.log(HELP.alerts);
    return EXIT.ok;
  }
  const config = values.config !== undefined ? readConfig(values.config) : undefined;
  const zoneOf = zonesOf(config);
  const [open, unconfigured] = await withStore(values, (store) =>
    Promise.all([store.episodes.openEpisodes(), config ? notConfiguredSources(store, config) : []]),
  );
  if (values.json) {
    for (const n of unconfigured) console.log(JSON.stringify(n));
    for (const e of open) console.log(JSON.stringify(e));
    return EXIT.ok;
  }
  for (const n of unconfigured) {
    console.log(
      `not configured  ${n.source}  secret "${n.secretId}" still holds placeholder values (since ${timeAt(n.since, zoneOf, n.source)}): not read, never paged; ccwatch secrets set ${n.source}`,
    );
  }
  if (!open.length) {
    console.log('no open alerts');
    return EXIT.ok;
  }
  const now = Date.now();
  for (const e of open) {
    const ack = e.ackedBy
      ? `acked by ${e.ackedBy}${e.snoozeUntil ? (e.snoozeUntil > now ? ` (snoozed until ${timeAt(e.snoozeUntil, zoneOf, e.source)})` : ' (snooze over)') : ''}`
      : 'not acknowledged';
    // an escalation policy's level (1 = the first), and its round when the policy repeats
    const level = e.level !== undefined ? `  level ${e.level + 1}${e.cycle ? ` (round ${e.cycle + 1})` : ''}` : '';
    console.log(`${e.episodeId}  tier ${e.tier}  ${describeEpisode(e, (ms) => timeAt(ms, zoneOf, e.source))}  ${ack}${level}`);
  }
  return EXIT.ok;
}

async function historyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...STATE_OPTIONS, json: { type: 'boolean' }, config: { type: 'string' } }, 'history');
  if (values.help) {
    console.log(HELP.history);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`history takes one alert id\n\n${HELP.history}`);
  const zoneOf = zonesOf(values.config !== undefined ? readConfig(values.config) : undefined);
  const found = await withStore(values, (store) => store.episodes.findEpisode(positionals[0]!.toUpperCase()));
  if (!found.length) {
    process.stderr.write(`ccwatch: no alert ${positionals[0]} (resolved alerts are kept 30 days)\n`);
    return EXIT.notFound;
  }
  for (const { episode, events } of found) {
    if (values.json) {
      console.log(JSON.stringify({ episode, events }));
      continue;
    }
    console.log(
      `${episode.episodeId}: ${describeEpisode(episode, (ms) => timeAt(ms, zoneOf, episode.source))}${episode.resolvedAt ? `, resolved ${timeAt(episode.resolvedAt, zoneOf, episode.source)}` : ', open'}`,
    );
    // events come in key order: by time, then lifecycle order within the same millisecond
    for (const ev of events) {
      const detail = [
        ev.severity,
        ev.channel && `to ${ev.channel}`,
        ev.by && `by ${ev.by}`,
        ev.until && `until ${timeAt(ev.until, zoneOf, episode.source)}`,
      ]
        .filter(Boolean)
        .join(' ');
      console.log(`  ${timeAt(ev.at, zoneOf, episode.source)}  ${ev.event}${detail ? `  ${detail}` : ''}`);
    }
  }
  return EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check-config':
        return checkConfig(rest);
      case 'run':
        return await runCommand(rest);
      case 'sim':
        // loaded only here: run, ack and the rest never parse the simulator
        return await (await import('./sim')).simCommand(rest);
      case 'ack':
        return await ackCommand(rest, false);
      case 'unack':
        return await ackCommand(rest, true);
      case 'alerts':
        return await alertsCommand(rest);
      case 'history':
        return await historyCommand(rest);
      case 'secrets':
        return await (await import('./credentials')).secretsCommand(rest, HELP.secrets!, { readConfig });
      case 'verify':
        return await (await import('./credentials')).verifyCommand(rest, HELP.verify!, { readConfig });
      case 'silence':
        return await (await import('./silence')).silenceCommand(rest, { readConfig, withStore, stateHelp: STATE_HELP });
      case '--version':
      case '-v':
        console.log(`ccwatch ${packageVersion()}`);
        return EXIT.ok;
      case undefined:
        // no command is a usage error: the help goes where errors go
        process.stderr.write(`${HELP.main}\n`);
        return EXIT.usage;
      case '-h':
      case '--help':
      case 'help':
        console.log(HELP.main);
        return EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"\n\n${HELP.main}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`ccwatch: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`ccwatch: ${err.message}\n`);
      return EXIT.invalid;
    }
    process.stderr.write(`ccwatch: ${(err as Error).stack ?? err}\n`);
    return EXIT.usage;
  }
}

// The AWS SDK warns, once per process, that its releases after early 2027 need Node 22; machines
// run Node 20.18+. Only that notice is turned off (the SDK's own switch); every other warning shows.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await main(process.argv.slice(2));
