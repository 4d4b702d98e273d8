import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { stackSecretName } from '#shared/contracts/names';
import type { SourceConfig } from '#shared/vendors/index';
import type { SecretLoader } from '#shared/vendors/readers';

/**
 * The Secrets Manager id to ask for, given the id a reader asks for: in a deployed stack a
 * source's credentials `secretId` is the secret `<stack>/<secretId>` the stack created (or
 * imported with importSecrets); an ARN, or any other id (a tls.caSecretId the operator made), is
 * asked for as it is. Without a stack name (local runs, the CLI) every id is used as written.
 */
export function stackSecretResolver(stack: string | undefined, sources: readonly SourceConfig[]): (secretId: string) => string {
  if (!stack) return (secretId) => secretId;
  const credentialIds = new Set(sources.map((s) => s.secretId));
  return (secretId) => (credentialIds.has(secretId) ? stackSecretName(stack, secretId) : secretId);
}

/** How long a secret read is reused: a `ccwatch secrets set` shows within this. */
const SECRET_MAX_AGE_S = 300;

/**
 * Secrets Manager as the functions and the CLI read it: credentials as JSON, a tls.caSecretId
 * PEM bundle as the string it is, each under the name `stackSecretResolver` gives it.
 */
export function secretsManagerLoader(stack: string | undefined, sources: readonly SourceConfig[]): SecretLoader {
  const name = stackSecretResolver(stack, sources);
  return (id, as) =>
    as === 'text'
      ? getSecret(name(id), { maxAge: SECRET_MAX_AGE_S })
      : getSecret(name(id), { transform: 'json', maxAge: SECRET_MAX_AGE_S });
}
