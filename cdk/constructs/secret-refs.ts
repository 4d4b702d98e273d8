import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/** An existing secret by its complete ARN, or by its name (granted as `name-??????`). */
export function existingSecret(scope: Construct, id: string, nameOrArn: string): ISecret {
  return nameOrArn.startsWith('arn:') ? Secret.fromSecretCompleteArn(scope, id, nameOrArn) : Secret.fromSecretNameV2(scope, id, nameOrArn);
}

/** Read on each of these existing secrets (the operator's own: CA bundles, on-call keys, webhook secrets), nothing broader. */
export function grantReadSecrets(scope: Construct, idPrefix: string, secretIds: Iterable<string>, grantee: IGrantable): void {
  for (const [i, nameOrArn] of [...new Set(secretIds)].entries()) existingSecret(scope, `${idPrefix}${i}`, nameOrArn).grantRead(grantee);
}
