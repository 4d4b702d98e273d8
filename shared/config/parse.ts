import type * as z from 'zod';
import { formatPath } from '#shared/model/issues';
import { JsoncSyntaxError, parseJsonc } from './jsonc';
import { type Config, ConfigSchema } from './schema';

export type { Config } from './schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly origin: string,
    readonly problems: string[],
    /** Where in the file, for a syntax error (1-based). */
    readonly at?: { line: number; column: number },
  ) {
    super(`invalid config (${origin}):\n${problems.map((p) => `  ${at ? `${origin}:${at.line}:${at.column}: ` : ''}${p}`).join('\n')}`);
  }

  /** One line per problem naming the file: `ccwatch.json: agentRules[2].after: ...`, `ccwatch.json:12:5: expected ...`. */
  lines(): string[] {
    const at = this.at;
    return this.problems.map((p) => (at ? `${this.origin}:${at.line}:${at.column}: ${p}` : `${this.origin}: ${p}`));
  }
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The known key closest to `key`, if close enough to be a slip (case, a letter or two, a plural). */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(Math.min(key.length, best.length) / 3)) ? best : undefined;
}

/** The keys a strict object (or an enum-keyed record) takes. */
function knownKeys(inst: unknown): string[] | undefined {
  const def = (inst as { _zod?: { def?: { shape?: object; keyType?: { _zod?: { values?: Set<unknown> } } } } })?._zod?.def;
  if (def?.shape) return Object.keys(def.shape);
  const values = def?.keyType?._zod?.values;
  return values ? [...values].map(String) : undefined;
}

/**
 * One line per unknown key, at the key's own path, with the nearest known key when one is close
 * (`agentRule: unknown key; did you mean "agentRules"?`), else the keys the object takes.
 */
function unknownKeyLines(path: ReadonlyArray<PropertyKey>, keys: string[], known: string[]): string[] {
  return keys.map((key) => {
    const near = nearestKey(key, known);
    const where = formatPath([...path, key]);
    return near
      ? `${where}: unknown key; did you mean "${near}"?`
      : `${where}: unknown key; ${path.length ? formatPath(path) : 'the config'} takes ${known.join(', ')}`;
  });
}

/** Parses a config object; the error lists every problem with its path, e.g. `agentRules[2].after: ...`. */
export function parseConfig(raw: unknown, origin = 'config'): Config {
  // unknown keys, seen while zod still knows which object they are in (a schema's own message wins)
  const unknown = new Map<string, string[]>();
  const result = ConfigSchema.safeParse(raw, {
    error: (iss) => {
      if (iss.code !== 'unrecognized_keys') return undefined;
      const known = knownKeys(iss.inst);
      if (!known) return undefined;
      const lines = unknownKeyLines(iss.path ?? [], iss.keys, known);
      const message = lines.join('\n');
      unknown.set(message, lines);
      return message;
    },
  });
  if (!result.success) throw new ConfigError(origin, configIssues(result.error, unknown));
  return withDerivedDefaults(result.data);
}

/**
 * Defaults that depend on other settings: an NXCloud source's status window is the poll interval
 * unless set, so each read covers the time since the last (a 60 s window on a 5-minute schedule
 * would see only the last minute of each five).
 */
function withDerivedDefaults(cfg: Config): Config {
  const every = cfg.schedule.every;
  return {
    ...cfg,
    sources: cfg.sources.map((s) => (s.vendor === 'nxcloud' && s.windowSec === undefined ? { ...s, windowSec: every } : s)),
  };
}

/** formatIssues' lines, an unknown-key issue as its lines per key. */
function configIssues(error: z.ZodError, unknown: Map<string, string[]>): string[] {
  return error.issues.flatMap(
    (issue) =>
      (issue.code === 'unrecognized_keys' ? unknown.get(issue.message) : undefined) ?? [`${formatPath(issue.path)}: ${issue.message}`],
  );
}

/** JSONC text (JSON with comments and trailing commas) to a value; a syntax error names file, line and column. */
export function parseConfigJson(text: string, origin: string): unknown {
  try {
    return parseJsonc(text);
  } catch (err) {
    if (err instanceof JsoncSyntaxError) throw new ConfigError(origin, [err.message], { line: err.line, column: err.column });
    throw err;
  }
}

/** Parses config text: the one place config files are read, by the CLI and by `cdk synth`. */
export function parseConfigText(text: string, origin: string): Config {
  return parseConfig(parseConfigJson(text, origin), origin);
}
