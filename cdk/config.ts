import { readFileSync } from 'node:fs';
import { parseConfig, parseConfigJson } from '#shared/config/parse';
import type { Config } from '#shared/config/schema';

export interface LoadedConfig {
  /** Validated, with defaults and durations in seconds: what the stack is built from. */
  config: Config;
  /**
   * What the functions get inlined into their bundle: the file as written, less subscriber
   * addresses and phone numbers and the `deployment` settings, which only the stack needs (so
   * changing a VPC or a reservation does not change the functions' code).
   */
  runtimeJson: string;
}

/** Reads and validates the config file; synth fails with every problem named by its path. */
export function loadConfig(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the ccwatch config "${path}": ${(err as Error).message}`);
  }
  const raw = parseConfigJson(text, path) as { channels?: Record<string, unknown>[]; deployment?: unknown };
  const config = parseConfig(raw, path);
  const { deployment: _d, ...rest } = raw;
  const runtime = { ...rest, channels: (raw.channels ?? []).map(({ emails: _e, sms: _s, ...channel }) => channel) };
  return { config, runtimeJson: JSON.stringify(runtime) };
}
