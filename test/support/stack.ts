import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../cdk/ccwatch-app';

/** Bundling is exercised by `cdk synth` (synth.test.ts); template tests read the template only. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

export type TemplateJson = { Resources: Record<string, any>; Outputs?: Record<string, any> };

/** The example config (ccwatch.config.json), changed by `mutate`, written to a file of its own. */
export function configWith(mutate: (c: any) => void = () => {}): string {
  const cfg = JSON.parse(readFileSync('ccwatch.config.json', 'utf8'));
  mutate(cfg);
  const file = join(mkdtempSync(join(tmpdir(), 'ccwatch-cfg-')), 'ccwatch.config.json');
  writeFileSync(file, JSON.stringify(cfg));
  return file;
}

/** The app built from a config file, as `cdk synth` builds it (without bundling); `json` is synthesized on first use. */
export function build(config: string, context: Record<string, unknown> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'ccwatch-cdk-'));
  const { app, stack } = buildApp({ outdir, context: { config, ...NO_BUNDLING, ...context } });
  let json: TemplateJson | undefined;
  return {
    app,
    stack,
    outdir,
    get json(): TemplateJson {
      json ??= Template.fromStack(stack).toJSON() as TemplateJson;
      return json;
    },
  };
}

export const ofType = (json: TemplateJson, type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
