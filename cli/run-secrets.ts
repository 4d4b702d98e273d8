// Where `ccwatch run` reads secrets without --secrets: AWS Secrets Manager, as the functions do.
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { stackSecretResolver } from '#shared/runtime/stack-secrets';
import type { SourceConfig } from '#shared/vendors/index';
import type { SecretLoader } from '#shared/vendors/readers';

/** How long a secret read is reused, as in the functions: a `secrets set` shows within this. */
const SECRET_MAX_AGE_S = 300;

/**
 * Secrets Manager: credentials as JSON, a CA bundle as its plain string. With `stack`, a source's
 * credentials are the secret that stack made, `<stack>/<secretId>` (stackSecretName); any other id
 * (an ARN, a tls.caSecretId) is read as written. Without it every id is read as written.
 */
export function secretsManagerLoader(stack: string | undefined, sources: readonly SourceConfig[]): SecretLoader {
  const name = stackSecretResolver(stack, sources);
  return (id, as) =>
    as === 'text'
      ? getSecret(name(id), { maxAge: SECRET_MAX_AGE_S })
      : getSecret(name(id), { transform: 'json', maxAge: SECRET_MAX_AGE_S });
}
