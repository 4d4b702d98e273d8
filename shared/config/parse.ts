import { formatIssues } from '#shared/model/issues';
import { type Config, ConfigSchema } from './schema';

export type { Config } from './schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly origin: string,
    readonly problems: string[],
  ) {
    super(`invalid config (${origin}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Parses a config object; the error lists every problem with its path, e.g. `agentRules[2].after: ...`. */
export function parseConfig(raw: unknown, origin = 'config'): Config {
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(origin, formatIssues(result.error));
  return result.data;
}

/** JSON text to a value, a syntax error reported as a ConfigError naming the file. */
export function parseConfigJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(origin, [`(root): not valid JSON: ${(err as Error).message}`]);
  }
}

/** Parses config JSON text: the one place config files are read, by the CLI and by `cdk synth`. */
export function parseConfigText(text: string, origin: string): Config {
  return parseConfig(parseConfigJson(text, origin), origin);
}
