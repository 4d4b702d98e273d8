import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions, RUNTIME_NODE_OPTIONS } from '../../cdk/bundling';

const run = promisify(execFile);

// A function-like entry bundled as the functions are: it rejects a config, the error thrown in
// shared/config/parse.ts, and prints the stack. `drop-map` deletes the map after the bundle loaded.
const ENTRY = `
import '#shared/runtime/source-mapped';
import { rmSync } from 'node:fs';
import { parseConfig } from '#shared/config/parse';
if (process.argv[2] === 'drop-map') rmSync(new URL(import.meta.url + '.map'));
try { parseConfig({ sources: 3 }); } catch (e) { console.log(e.stack); }
try { Buffer.alloc(-1); } catch (e) { console.log(e.stack); }
`;

describe('stack traces of a bundled function', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccwatch-stack-'));
  const bundle = join(dir, 'fn', 'index.mjs');
  const throwLine =
    readFileSync('shared/config/parse.ts', 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('throw new ConfigError(origin')) + 1;
  const stackOf = async (nodeOptions: string[], file = bundle, arg = '') =>
    (await run(process.execPath, [...nodeOptions, file, arg])).stdout;

  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    await build({
      ...esbuildOptions(),
      stdin: { contents: ENTRY, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'entry.ts' },
      outfile: bundle,
    });
  });

  it('name the TypeScript source, line and original function, with the Node options the functions run with', async () => {
    expect(RUNTIME_NODE_OPTIONS).not.toContain('--enable-source-maps');
    const stack = await stackOf(RUNTIME_NODE_OPTIONS.split(' '));
    expect(stack).toMatch(/^ConfigError: invalid config \(config\)/);
    // the path from the project's folder, not from wherever the bundle was built
    expect(stack).toMatch(new RegExp(`\\n    at parseConfig \\(shared/config/parse\\.ts:${throwLine}:\\d+\\)`));
    expect(stack).not.toContain('index.mjs');
    // a Node error keeps its code, as Node writes it
    expect(stack).toContain('\nRangeError [ERR_OUT_OF_RANGE]: The value of "size" is out of range');
  });

  it('read the map only when a stack is written: a map gone after the bundle loaded leaves V8 stacks, and nothing fails', async () => {
    cpSync(join(dir, 'fn'), join(dir, 'copy'), { recursive: true });
    const stack = await stackOf([], join(dir, 'copy', 'index.mjs'), 'drop-map');
    expect(stack).toMatch(/^ConfigError: invalid config/);
    expect(stack).toMatch(/\n {4}at \w+ \(file:\/\/\/.*index\.mjs:\d+:\d+\)/);
    expect(stack).not.toContain('parse.ts');
  });

  it("stand aside when Node's own source maps are on", async () => {
    const stack = await stackOf(['--enable-source-maps']);
    expect(stack).toContain(`at parseConfig (${join(process.cwd(), 'shared/config/parse.ts')}:${throwLine}:`);
  });

  it('are set up first in every function, before its other modules run', () => {
    const fns = readdirSync('functions');
    expect(fns.length).toBeGreaterThanOrEqual(4);
    for (const fn of fns) {
      const code = readFileSync(join('functions', fn, 'index.ts'), 'utf8');
      expect(code.split('\n')[0], fn).toBe("import '#shared/runtime/source-mapped';");
    }
  });
});
