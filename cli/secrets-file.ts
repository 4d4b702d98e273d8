import { readFileSync } from 'node:fs';
import { ConfigError } from '#shared/config/parse';
import type { Config } from '#shared/config/schema';
import { secretsManagerLoader } from '#shared/runtime/stack-secrets';
import type { SecretLoader } from '#shared/vendors/readers';
import { jsonErrorWithoutContent } from './json-error';
import { UsageError } from './usage';

/**
 * A local secrets file: a JSON object of secretId -> credentials (or, for a tls.caSecretId, the PEM
 * bundle string). A parse error never quotes the text around it: in this file, a credential.
 * `whenWriting` is added to errors where the file was to be updated ("; not overwritten").
 */
export function readSecretsMap(file: string, whenWriting = ''): Record<string, unknown> {
  let map: unknown;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
    map = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [
      `(root): cannot read secrets file: ${text ? jsonErrorWithoutContent(text, err) : (err as Error).message}${whenWriting}`,
    ]);
  }
  if (!map || typeof map !== 'object' || Array.isArray(map))
    throw new ConfigError(file, [
      `(root): expected an object of secretId -> credentials${whenWriting || ' (or, for a tls.caSecretId, the PEM bundle string)'}`,
    ]);
  return map as Record<string, unknown>;
}

/** The file's entries as a SecretLoader (read once). */
export function secretsFromFile(file: string): SecretLoader {
  const map = readSecretsMap(file);
  return async (id) => {
    if (!(id in map)) throw new Error(`no entry "${id}" in ${file}`);
    return map[id];
  };
}

/** `--secrets <file>`, or Secrets Manager (the stack's names with `--stack`): not both. */
export function secretLoaderFor(values: { secrets?: string | undefined; stack?: string | undefined }, config: Config): SecretLoader {
  if (values.stack !== undefined && values.secrets) throw new UsageError('--stack names Secrets Manager secrets: not with --secrets');
  return values.secrets ? secretsFromFile(values.secrets) : secretsManagerLoader(values.stack, config.sources);
}
