import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { build as buildFrom, configWith } from '../support/stack';

const build = (mutate: (c: any) => void) => buildFrom(configWith(mutate));

const OG_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ccwatch/opsgenie-hook-AbCdEf';

describe('the on-call webhooks in the stack', () => {
  const { app, stack } = build((c) => {
    c.channels.push(
      {
        id: 'pd',
        severities: ['critical'],
        pagerduty: { routingKeySecretId: 'ccwatch/pd-routing', webhookSecretId: 'ccwatch/pd-hook' },
      },
      { id: 'pd2', severities: ['warning'], pagerduty: { routingKeySecretId: 'ccwatch/pd-routing', webhookSecretId: 'ccwatch/pd-hook' } },
      { id: 'og', severities: ['critical'], opsgenie: { apiKeySecretId: 'ccwatch/og-key', webhookSecretId: OG_ARN } },
    );
  });
  const json = Template.fromStack(stack).toJSON();
  const ackStatements = () => {
    const [, policy] = Object.entries(json.Resources as Record<string, any>).find(
      ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('Ack'),
    )!;
    return (policy.Properties.PolicyDocument.Statement as any[]).filter((st) =>
      [st.Action].flat().includes('secretsmanager:GetSecretValue'),
    );
  };

  it('lets the ack endpoint read the webhook secrets by name or ARN, and not the API keys', () => {
    const readable = JSON.stringify(ackStatements().flatMap((st) => [st.Resource].flat()));
    expect(readable).toContain(':secret:ccwatch/pd-hook-??????');
    expect(readable.split('ccwatch/pd-hook-').length - 1).toBe(1);
    expect(readable).toContain(OG_ARN);
    expect(readable).not.toContain('pd-routing');
    expect(readable).not.toContain('og-key');
    expect(readable).not.toMatch(/secret:\*|"\*"/);
  });

  it('keeps the deploy free of open cdk-nag findings', () => {
    expect(() => app.synth()).not.toThrow();
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
    expect((report.pluginReports ?? []).flatMap((r: { violations?: unknown[] }) => r.violations ?? [])).toEqual([]);
  });
});
