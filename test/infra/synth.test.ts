import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npx cdk synth', () => {
  it('works offline with the project CLI: bundles every function locally and passes cdk-nag', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ccwatch-synth-'));
    // the CLI and the library must agree on the cloud-assembly schema; this runs the real command
    const { stderr } = await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out], {
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      maxBuffer: 1 << 24,
    });
    expect(stderr).not.toMatch(/not compatible|ERROR/);
    const template = JSON.parse(readFileSync(join(out, 'Ccwatch.template.json'), 'utf8'));
    const fns = Object.values(template.Resources as Record<string, { Type: string }>).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(fns).toHaveLength(3);
    const bundles = readdirSync(out).filter((d) => d.startsWith('asset.') && existsSync(join(out, d, 'index.mjs')));
    expect(bundles).toHaveLength(3);
    // each ships its source map beside it: the functions read it for their first stack trace
    for (const b of bundles) expect(existsSync(join(out, b, 'index.mjs.map')), b).toBe(true);
    // every function carries the config inlined at bundling (the ack function for its open-alerts
    // page: channel filters, source timezones), less subscriber addresses
    const codes = bundles.map((b) => readFileSync(join(out, b, 'index.mjs'), 'utf8'));
    expect(codes.filter((c) => c.includes('stuck-wrapup'))).toHaveLength(3);
    for (const c of codes) expect(c).not.toContain('floor-leads@example.com');
  }, 180_000);
});
