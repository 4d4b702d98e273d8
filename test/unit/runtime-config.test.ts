import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigJson } from '#shared/config/parse';
import { loadConfig } from '../../cdk/config';

describe('the config the functions are built with', () => {
  it('leaves out addresses, phone numbers and deployment settings, which only the stack needs', () => {
    const cfg = parseConfigJson(readFileSync('ccwatch.config.json', 'utf8'), 'example') as Record<string, any>;
    cfg.deployment = { reservedConcurrency: { agentStatus: 5 } };
    const file = join(mkdtempSync(join(tmpdir(), 'ccwatch-cfg-')), 'c.json');
    writeFileSync(file, JSON.stringify(cfg));
    const { config, runtimeJson } = loadConfig(file);
    expect(config.deployment?.reservedConcurrency?.agentStatus).toBe(5);
    const runtime = JSON.parse(runtimeJson);
    expect(runtime.deployment).toBeUndefined();
    expect(runtimeJson).not.toMatch(/@|\+\d{7,}/);
    expect(runtime.channels.map((c: { id: string }) => c.id)).toEqual(config.channels.map((c) => c.id));
  });
});
