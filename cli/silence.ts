// `ccwatch silence add | list | expire | history`: silences made at runtime, like `amtool silence`.
// Stored in the same table the functions read (shared/store/silences.ts); both functions honour
// them from their next tick, and config silences keep working beside them.
import { userInfo } from 'node:os';
import type { Config } from '#shared/config/schema';
import { formatDuration, parseDuration } from '#shared/model/duration';
import { zonedTime } from '#shared/notify/format';
import { type RuntimeSilence, type SilenceEvent, SilenceNotFound } from '#shared/store/silences';
import type { Store } from '#shared/store/store';
import { type ZoneOf, zonesOf } from './times';
import { EXIT, parseFlags, UsageError } from './usage';

export interface SilenceDeps {
  readConfig(file: string): Config;
  withStore<T>(
    values: { aws?: boolean | undefined; table?: string | undefined; 'ddb-endpoint'?: string | undefined },
    fn: (store: Store) => Promise<T>,
  ): Promise<T>;
  /** The state options' help (--aws, --table, --ddb-endpoint), as the other state commands show it. */
  stateHelp: string;
}

/** Where the config's source ids, rule ids and timezones come from; optional everywhere. */
const CONFIG_HELP = `  --config <file>    check the sources and rules named against this config, and show times in
                     the sources' timezones (without it: UTC)`;

export function silenceHelp(stateHelp: string): string {
  return `Usage: ccwatch silence <add|list|expire|history> [options]

Silences made at runtime, without a deploy: both functions honour them from their next tick. State
keeps being tracked while a silence lasts, so an alert still true when it ends (or is expired)
fires on the next tick. Silences in the config keep working beside them.

  ccwatch silence add (--agent <source:agentId> | --group <name> | --source <id>)... [--rule <id>]...
                      (--for <duration> | --until <time>) [--starts <time>] --comment <text> [--by <name>]
  ccwatch silence list [--all] [--json]
  ccwatch silence expire <id>... [--by <name>]
  ccwatch silence history [<id>] [--json]

add:
  --agent <source:agentId>  an agent, with its source (e.g. hw-main:1001); repeatable
  --group <name>            an agent group (as the vendor or the source's "groups" names it); repeatable
  --source <id>             a whole source, including its "source down" alert; repeatable
                            Repeating one flag widens the silence (any of them); flags of different
                            kinds narrow it (all of them: --source hw-main --group sales is the sales
                            agents of hw-main).
  --all-alerts              instead of those: every agent, task and source (with --rule: that rule
                            everywhere)
  --rule <id>               only this rule (an agent or task rule id, or source-down); repeatable;
                            without it: every rule
  --for <duration>          how long, e.g. 2h, 90m, 1d
  --until <time>            or until when: ISO-8601 with its zone, e.g. 2026-11-23T18:00+08:00
  --starts <time>           start later (default: now)
  --comment <text>          why (required), e.g. "training"
  --by <name>               who (default: your user name)
  --json                    print the new silence as one JSON object
list:
  --all                     also the ended and expired ones (kept 90 days)
  --json                    one JSON object per silence per line (times ISO-8601 UTC)
expire:
  --by <name>               who ends it (default: your user name)
  --json                    the ended silence as one JSON object
history:
  every change (created, expired) with who and when, oldest first; <id> for one silence's only

Options of every subcommand:
${CONFIG_HELP}
  --now <time>       the logical time (replaying a timeline with run --now); default: now
${stateHelp}
Exit codes: 0 done, 5 no such silence (expire, history <id>), 2 invalid config, 1 usage error.`;
}

/** ISO-8601 with its zone (Z or ±hh:mm): a silence made across timezones must not guess one. */
const ISO_ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

function parseTime(flag: string, text: string): number {
  const t = Date.parse(text);
  if (!ISO_ZONED.test(text) || Number.isNaN(t))
    throw new UsageError(
      `${flag}: expected an ISO-8601 time with its zone, like 2026-11-23T18:00+08:00 or 2026-11-23T10:00Z, got "${text}"`,
    );
  return t;
}

function whoAmI(flagValue: string | undefined): string {
  if (flagValue !== undefined) {
    const by = flagValue.trim();
    if (!by) throw new UsageError('--by: expected a name');
    if (by.length > 80) throw new UsageError('--by: at most 80 characters');
    return by;
  }
  try {
    return userInfo().username;
  } catch {
    throw new UsageError('--by is required: this machine has no user name for you');
  }
}

/** Parts of a silence a person reads: what it covers, which rules. */
export function describeScope(s: Pick<RuntimeSilence, 'scope'>): string {
  const { sources, groups, agents } = s.scope;
  const part = (one: string, many: string, list: string[]) => (list.length === 1 ? `${one} ${list[0]}` : `${many} ${list.join(', ')}`);
  const parts = [
    agents.length ? part('agent', 'agents', agents) : '',
    groups.length ? part('group', 'groups', groups) : '',
    sources.length ? part('source', 'sources', sources) : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' and ') : 'all alerts';
}

const describeRules = (rules: string[]) => (rules.length ? `${rules.length === 1 ? 'rule' : 'rules'} ${rules.join(', ')}` : 'every rule');

/** The sources a silence names (its --source and --agent prefixes). */
function namedSources(s: Pick<RuntimeSilence, 'scope'>): string[] {
  return [...new Set([...s.scope.sources, ...s.scope.agents.map((a) => a.slice(0, a.indexOf(':'))).filter(Boolean)])];
}

/**
 * The timezone a silence's times are shown in: the one its sources share (all the config's sources
 * when it names none); UTC when they differ or there is no config.
 */
function silenceZone(s: Pick<RuntimeSilence, 'scope'>, config: Config | undefined, zoneOf: ZoneOf): string {
  if (!config) return 'UTC';
  const named = namedSources(s);
  const zones = new Set((named.length ? named : config.sources.map((c) => c.id)).map((id) => zoneOf(id)));
  return zones.size === 1 ? [...zones][0]! : 'UTC';
}

function status(s: RuntimeSilence, now: number): 'active' | 'pending' | 'expired' | 'ended' {
  if (s.expiredAt !== undefined) return 'expired';
  if (s.endsAt <= now) return 'ended';
  return s.startsAt > now ? 'pending' : 'active';
}

/** The machine form: the stored fields, times ISO-8601 UTC, and its status at `now`. */
function silenceJson(s: RuntimeSilence, now: number) {
  const iso = (t: number) => new Date(t).toISOString();
  return {
    id: s.id,
    status: status(s, now),
    scope: s.scope,
    rules: s.rules,
    startsAt: iso(s.startsAt),
    endsAt: iso(s.endsAt),
    createdBy: s.createdBy,
    comment: s.comment,
    createdAt: iso(s.createdAt),
    ...(s.expiredAt !== undefined ? { expiredAt: iso(s.expiredAt), expiredBy: s.expiredBy } : {}),
  };
}

function silenceLine(s: RuntimeSilence, now: number, tz: string): string {
  const st = status(s, now);
  const ended = st === 'expired' ? ` (expired by ${s.expiredBy} ${zonedTime(s.expiredAt!, tz)})` : '';
  return [
    s.id,
    st.padEnd(7),
    describeScope(s),
    describeRules(s.rules),
    `${zonedTime(s.startsAt, tz)} – ${zonedTime(s.endsAt, tz)}${ended}`,
    `by ${s.createdBy}`,
    JSON.stringify(s.comment),
  ].join('  ');
}

/** Each source, group or rule named must make sense; with a config, exist. Errors name the flag. */
function buildScope(
  values: { agent?: string[]; group?: string[]; source?: string[]; rule?: string[]; 'all-alerts'?: boolean },
  config: Config | undefined,
  configFile: string | undefined,
): Pick<RuntimeSilence, 'scope' | 'rules'> {
  const agents = values.agent ?? [];
  const groups = values.group ?? [];
  const sources = values.source ?? [];
  const rules = values.rule ?? [];
  const all = values['all-alerts'] ?? false;
  if (!all && !agents.length && !groups.length && !sources.length)
    throw new UsageError(
      'say what to silence: --agent <source:agentId>, --group <name> or --source <id> (repeatable); --all-alerts silences every alert (of the --rule given, if any)',
    );
  if (all && (agents.length || groups.length || sources.length))
    throw new UsageError('--all-alerts silences every alert: not with --agent, --group or --source');
  for (const [flag, list] of [
    ['--agent', agents],
    ['--group', groups],
    ['--source', sources],
    ['--rule', rules],
  ] as const)
    for (const v of list) if (!v.trim()) throw new UsageError(`${flag}: expected a value, got ""`);
  for (const a of agents) {
    const colon = a.indexOf(':');
    if (colon < 1 || colon === a.length - 1)
      throw new UsageError(
        `--agent "${a}": expected <source>:<agentId>, e.g. hw-main:1001 (an agent id alone would match that id on every source)`,
      );
    if (sources.length && !sources.includes(a.slice(0, colon)))
      throw new UsageError(
        `--agent "${a}" is not on --source ${sources.join(', ')}: flags of different kinds must all match, so this silence would cover nothing`,
      );
  }
  if (config) {
    const ids = config.sources.map((s) => s.id);
    const known = `${configFile} has sources ${ids.join(', ')}`;
    for (const s of sources) if (!ids.includes(s)) throw new UsageError(`--source "${s}": no such source; ${known}`);
    for (const a of agents) {
      const src = a.slice(0, a.indexOf(':'));
      if (!ids.includes(src)) throw new UsageError(`--agent "${a}": no source "${src}"; ${known}`);
    }
    const ruleIds = [...config.agentRules.map((r) => r.id), ...config.taskRules.map((r) => r.id), 'source-down'];
    for (const r of rules)
      if (!ruleIds.includes(r)) throw new UsageError(`--rule "${r}": no such rule; ${configFile} has ${ruleIds.join(', ')}`);
  }
  const uniq = (l: string[]) => [...new Set(l)];
  return { scope: { sources: uniq(sources), groups: uniq(groups), agents: uniq(agents) }, rules: uniq(rules) };
}

const STATE = { aws: { type: 'boolean' }, table: { type: 'string' }, 'ddb-endpoint': { type: 'string' } } as const;
const COMMON = { ...STATE, config: { type: 'string' }, now: { type: 'string' }, json: { type: 'boolean' } } as const;

export async function silenceCommand(args: string[], deps: SilenceDeps): Promise<number> {
  const help = silenceHelp(deps.stateHelp);
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add':
      return add(rest, deps, help);
    case 'list':
      return list(rest, deps, help);
    case 'expire':
      return expire(rest, deps, help);
    case 'history':
      return history(rest, deps, help);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(help);
      return sub === undefined ? EXIT.usage : EXIT.ok;
    default:
      throw new UsageError(`unknown silence command "${sub}": add, list, expire or history\n\n${help}`);
  }
}

function common(values: { config?: string | undefined; now?: string | undefined }, deps: SilenceDeps) {
  const config = values.config !== undefined ? deps.readConfig(values.config) : undefined;
  const now = values.now !== undefined ? parseTime('--now', values.now) : Date.now();
  return { config, now, zoneOf: zonesOf(config) };
}

async function add(args: string[], deps: SilenceDeps, help: string): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      ...COMMON,
      agent: { type: 'string', multiple: true },
      group: { type: 'string', multiple: true },
      source: { type: 'string', multiple: true },
      'all-alerts': { type: 'boolean' },
      rule: { type: 'string', multiple: true },
      for: { type: 'string' },
      until: { type: 'string' },
      starts: { type: 'string' },
      comment: { type: 'string' },
      by: { type: 'string' },
    },
    help,
  );
  if (values.help) {
    console.log(help);
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`silence add takes no arguments (got "${positionals.join(' ')}"): use the flags\n\n${help}`);
  // the flags first: a typo is reported before any config or state is read
  const comment = values.comment?.trim();
  if (comment === undefined) throw new UsageError('--comment is required: say why, e.g. --comment "training"');
  if (!comment) throw new UsageError('--comment: say why, e.g. --comment "training"');
  if (comment.length > 500) throw new UsageError(`--comment: at most 500 characters (got ${comment.length})`);
  if (values.for !== undefined && values.until !== undefined) throw new UsageError('--for and --until exclude each other: give one');
  if (values.for === undefined && values.until === undefined)
    throw new UsageError('say how long: --for <duration> (e.g. 2h) or --until <time>');
  const forSec = values.for !== undefined ? parseDuration(values.for) : undefined;
  if (values.for !== undefined && !forSec) throw new UsageError(`--for: expected a duration like "2h", "90m" or "1d", got "${values.for}"`);
  const createdBy = whoAmI(values.by);
  const { config, now, zoneOf } = common(values, deps);
  const what = buildScope(values, config, values.config);
  const startsAt = values.starts !== undefined ? parseTime('--starts', values.starts) : now;
  const endsAt = forSec !== undefined ? startsAt + forSec * 1000 : parseTime('--until', values.until!);
  if (endsAt <= startsAt) throw new UsageError(`--until: ${values.until} is not after the start (${new Date(startsAt).toISOString()})`);
  if (endsAt <= now) throw new UsageError(`the silence would already be over (it ends ${new Date(endsAt).toISOString()})`);

  const s = await deps.withStore(values, (store) => store.silences.add({ ...what, startsAt, endsAt, createdBy, comment }, now));
  if (values.json) {
    console.log(JSON.stringify(silenceJson(s, now)));
    return EXIT.ok;
  }
  const tz = silenceZone(s, config, zoneOf);
  const span =
    s.startsAt > now
      ? `from ${zonedTime(s.startsAt, tz)} until ${zonedTime(s.endsAt, tz)}`
      : `until ${zonedTime(s.endsAt, tz)} (${formatDuration((s.endsAt - now) / 1000)})`;
  console.log(`silence ${s.id} added: ${describeScope(s)}, ${describeRules(s.rules)}, ${span}`);
  console.log(`  expire it early with: ccwatch silence expire ${s.id}`);
  return EXIT.ok;
}

async function list(args: string[], deps: SilenceDeps, help: string): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...COMMON, all: { type: 'boolean' } }, help);
  if (values.help) {
    console.log(help);
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`silence list takes no arguments\n\n${help}`);
  const { config, now, zoneOf } = common(values, deps);
  const silences = await deps.withStore(values, (store) => store.silences.list({ includeEnded: values.all ?? false, now }));
  if (values.json) {
    for (const s of silences) console.log(JSON.stringify(silenceJson(s, now)));
    return EXIT.ok;
  }
  if (!silences.length) {
    console.log(values.all ? 'no silences (ended ones are kept 90 days)' : 'no silences in force or to come');
    return EXIT.ok;
  }
  for (const s of silences) console.log(silenceLine(s, now, silenceZone(s, config, zoneOf)));
  return EXIT.ok;
}

async function expire(args: string[], deps: SilenceDeps, help: string): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...COMMON, by: { type: 'string' } }, help);
  if (values.help) {
    console.log(help);
    return EXIT.ok;
  }
  if (!positionals.length) throw new UsageError(`silence expire takes the id of a silence (ccwatch silence list shows them)\n\n${help}`);
  const by = whoAmI(values.by);
  const { config, now, zoneOf } = common(values, deps);
  let code: number = EXIT.ok;
  await deps.withStore(values, async (store) => {
    for (const raw of positionals) {
      const id = raw.trim().toUpperCase();
      let s: RuntimeSilence;
      try {
        s = await store.silences.expire(id, by, now);
      } catch (err) {
        if (!(err instanceof SilenceNotFound)) throw err;
        process.stderr.write(`ccwatch: no silence "${id}" (ended silences are kept 90 days; ccwatch silence list --all shows them)\n`);
        code = EXIT.notFound;
        continue;
      }
      if (values.json) {
        console.log(JSON.stringify(silenceJson(s, now)));
        continue;
      }
      const tz = silenceZone(s, config, zoneOf);
      const what = `${describeScope(s)}, ${describeRules(s.rules)}, by ${s.createdBy}: ${JSON.stringify(s.comment)}`;
      if (s.expiredAt === now && s.expiredBy === by)
        console.log(`silence ${s.id} expired by ${by} at ${zonedTime(now, tz)}: ${what}; alerts it held fire on the next tick`);
      else if (s.expiredAt !== undefined)
        console.log(`silence ${s.id} was already expired by ${s.expiredBy} at ${zonedTime(s.expiredAt, tz)}; nothing changed (${what})`);
      else console.log(`silence ${s.id} already ended at ${zonedTime(s.endsAt, tz)}; nothing changed (${what})`);
    }
  });
  return code;
}

async function history(args: string[], deps: SilenceDeps, help: string): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMON, help);
  if (values.help) {
    console.log(help);
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new UsageError(`silence history takes at most one silence id\n\n${help}`);
  const { config, zoneOf } = common(values, deps);
  const only = positionals[0]?.trim().toUpperCase();
  const events = (await deps.withStore(values, (store) => store.silences.history())).filter((e) => !only || e.silenceId === only);
  if (only && !events.length) {
    process.stderr.write(`ccwatch: no silence "${only}" (ended silences are kept 90 days)\n`);
    return EXIT.notFound;
  }
  if (values.json) {
    for (const e of events) console.log(JSON.stringify(eventJson(e)));
    return EXIT.ok;
  }
  if (!events.length) console.log('no silences were made (history is kept 90 days after a silence ends)');
  for (const e of events) {
    const tz = silenceZone(e.silence, config, zoneOf);
    const detail =
      e.event === 'created'
        ? `${describeScope(e.silence)}, ${describeRules(e.silence.rules)}, ${zonedTime(e.silence.startsAt, tz)} – ${zonedTime(e.silence.endsAt, tz)}, ${JSON.stringify(e.comment ?? e.silence.comment)}`
        : `${describeScope(e.silence)}`;
    console.log(`${zonedTime(e.at, tz)}  ${e.silenceId}  ${e.event.padEnd(7)}  by ${e.by}  ${detail}`);
  }
  return EXIT.ok;
}

function eventJson(e: SilenceEvent) {
  return {
    silenceId: e.silenceId,
    event: e.event,
    at: new Date(e.at).toISOString(),
    by: e.by,
    ...(e.comment !== undefined ? { comment: e.comment } : {}),
    silence: silenceJson(e.silence, e.at),
  };
}
