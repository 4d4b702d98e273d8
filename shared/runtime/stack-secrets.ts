import { stackSecretName } from '#shared/contracts/names';
import type { SourceConfig } from '#shared/vendors/index';

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
