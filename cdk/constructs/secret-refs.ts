import { Aws, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** An existing secret by its complete ARN, or by its name (granted as `name-??????`). */
export function existingSecret(scope: Construct, id: string, nameOrArn: string): ISecret {
  return nameOrArn.startsWith('arn:') ? Secret.fromSecretCompleteArn(scope, id, nameOrArn) : Secret.fromSecretNameV2(scope, id, nameOrArn);
}

/**
 * Read on an existing secret, and decrypt with its KMS key through Secrets Manager only. An
 * operator's secret is often encrypted with a customer managed key the stack cannot see; reading it
 * then needs kms:Decrypt besides secretsmanager:GetSecretValue. The key is unknown at synth, so the
 * grant names any key but holds only for Secrets Manager decrypting this very secret (its ARN is in
 * the encryption context). A secret under the default aws/secretsmanager key needs none of it.
 */
export function grantReadExisting(secret: ISecret, grantee: IGrantable): void {
  secret.grantRead(grantee);
  const arn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [`arn:${Aws.PARTITION}:kms:*:*:key/*`],
      conditions: {
        StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com', 'kms:EncryptionContext:SecretARN': arn },
      },
    }),
  );
  if (!Construct.isConstruct(grantee)) return;
  Validations.of(grantee).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:*:*:key/*]`,
    reason:
      "The operator's secrets may be encrypted with a customer managed key unknown at synth: kms:Decrypt holds only through Secrets Manager, for the named secrets (kms:ViaService and the SecretARN encryption context).",
  });
}

/** Read on each of these existing secrets (the operator's own: CA bundles, on-call keys, webhook secrets), nothing broader. */
export function grantReadSecrets(scope: Construct, idPrefix: string, secretIds: Iterable<string>, grantee: IGrantable): void {
  for (const [i, nameOrArn] of [...new Set(secretIds)].entries())
    grantReadExisting(existingSecret(scope, `${idPrefix}${i}`, nameOrArn), grantee);
}
