import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { build as buildFrom, configWith } from '../support/stack';

const build = (mutate: (c: any) => void) => buildFrom(configWith(mutate));

const CA_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ccwatch/itnio-ca-AbCdEf';

describe('private CA bundles (tls.caSecretId)', () => {
  const { app, stack } = build((c) => {
    // the on-premise Huawei by name; ITNIO (which preview tasks read too) by full ARN
    c.sources.find((s: any) => s.vendor === 'huawei').tls = { caSecretId: 'ccwatch/huawei-ca' };
    c.sources.find((s: any) => s.vendor === 'itnio').tls = { caSecretId: CA_ARN };
  });
  const t = Template.fromStack(stack);
  const json = t.toJSON();
  const policyOf = (fnPrefix: string) => {
    const [, policy] = Object.entries(json.Resources as Record<string, any>).find(
      ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith(fnPrefix) && id.includes('ServiceRole'),
    )!;
    return (policy.Properties.PolicyDocument.Statement as any[]).filter((st) =>
      [st.Action].flat().includes('secretsmanager:GetSecretValue'),
    );
  };
  const readable = (fnPrefix: string) => JSON.stringify(policyOf(fnPrefix).flatMap((st) => [st.Resource].flat()));

  it('lets each function read the CA bundles of its own sources, by name or by ARN', () => {
    const agent = readable('AgentStatus');
    // a name is granted with the six random characters Secrets Manager appends to it
    expect(agent).toContain(':secret:ccwatch/huawei-ca-??????');
    expect(agent).toContain(CA_ARN);
    const tasks = readable('PreviewTasks');
    expect(tasks).toContain(CA_ARN);
    expect(tasks).not.toContain('huawei-ca');
  });

  it('lets them decrypt a bundle under a key of the operator, only through Secrets Manager and only that bundle', () => {
    const [, policy] = Object.entries(json.Resources as Record<string, any>).find(
      ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('PreviewTasks') && id.includes('ServiceRole'),
    )!;
    // any key (unknown at synth), not the topics' key the stack made
    const decrypt = (policy.Properties.PolicyDocument.Statement as any[]).filter((st) =>
      JSON.stringify(st.Resource).includes(':kms:*:*:key/*'),
    );
    expect(decrypt.map((st) => st.Action)).toEqual(['kms:Decrypt']);
    // the ITNIO bundle only: the tasks function reads no Huawei source, and its own credentials use the default key
    expect(decrypt.map((st) => st.Condition)).toEqual([
      { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com', 'kms:EncryptionContext:SecretARN': CA_ARN } },
    ]);
    const agent = Object.entries(json.Resources as Record<string, any>).find(
      ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('AgentStatus') && id.includes('ServiceRole'),
    )![1];
    const agentDecrypt = (agent.Properties.PolicyDocument.Statement as any[]).filter((st) => st.Action === 'kms:Decrypt');
    // a bundle named without its ARN is matched with the six characters Secrets Manager appends
    expect(agentDecrypt.map((st) => JSON.stringify(st.Condition))).toEqual([
      expect.stringContaining(CA_ARN),
      expect.stringContaining(':secret:ccwatch/huawei-ca-??????'),
    ]);
  });

  it('creates no secret for a bundle (the operator makes it) and keeps the deploy free of open cdk-nag findings', () => {
    const names = Object.values(t.findResources('AWS::SecretsManager::Secret')).map((s: any) => s.Properties.Name);
    // the credential secrets of the three sources only
    expect(names.filter(Boolean)).toHaveLength(3);
    expect(JSON.stringify(names)).not.toMatch(/huawei-ca|itnio-ca/);
    expect(() => app.synth()).not.toThrow();
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
    expect((report.pluginReports ?? []).flatMap((r: { violations?: unknown[] }) => r.violations ?? [])).toEqual([]);
  });
});
