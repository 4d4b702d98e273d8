import { expect } from 'vitest';
import { ConfigError, parseConfig } from '#shared/config/parse';

/** The problems the config check names for `raw` (the test fails if it is accepted). */
export function problems(raw: unknown): string[] {
  try {
    parseConfig(raw, 'ccwatch.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('config was accepted');
}
