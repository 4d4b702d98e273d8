import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/parse';
import { stackSecretName } from '#shared/contracts/names';
import { stackSecretResolver } from '#shared/runtime/stack-secrets';

const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:vendor/nx-AbCdEf';
const { sources } = parseConfig({
  sources: [
    { id: 'itn', vendor: 'itnio', baseUrl: 'https://api.itniotech.com', secretId: 'ccwatch/itnio', tls: { caSecretId: 'corp/ca' } },
    { id: 'nx', vendor: 'nxcloud', baseUrl: 'https://api-hk.nxlink.ai', secretId: arn, tenantId: 1 },
  ],
  channels: [{ id: 'sup', severities: ['warning', 'critical'], emails: ['lead@acme.example'] }],
});

describe("a deployed function's source secrets", () => {
  it("are the stack's `<stack>/<secretId>`, as the stack names the secrets it creates", () => {
    const resolve = stackSecretResolver('CcwatchStaging', sources);
    expect(resolve('ccwatch/itnio')).toBe('CcwatchStaging/ccwatch/itnio');
    expect(resolve('ccwatch/itnio')).toBe(stackSecretName('CcwatchStaging', 'ccwatch/itnio'));
  });

  it('leave an ARN and any other id (a tls.caSecretId the operator made) as they are', () => {
    const resolve = stackSecretResolver('Ccwatch', sources);
    expect(resolve(arn)).toBe(arn);
    expect(resolve('corp/ca')).toBe('corp/ca');
  });

  it('are used as written without a stack name (local runs, the CLI)', () => {
    expect(stackSecretResolver(undefined, sources)('ccwatch/itnio')).toBe('ccwatch/itnio');
  });
});
