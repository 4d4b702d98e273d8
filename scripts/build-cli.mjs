// Builds the `ccwatch` bin (dist/ccwatch.mjs). Runs on `npm ci` (prepare); dependencies stay external.
// Split so that `ccwatch sim` code (the simulator) is a chunk loaded only by that command.
//
// `--in-place` (the test setup) never empties dist/: it builds beside it, moves the new chunks in
// (content-hashed names) and then renames the new entry over the old one, so a ccwatch process
// already running from dist/ (another test run in the same tree) keeps every file it may load.

import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const inPlace = process.argv.includes('--in-place');
const outdir = inPlace ? join('.cache', `cli-build-${process.pid}`) : 'dist';

rmSync(outdir, { recursive: true, force: true });
try {
  await build({
    entryPoints: { ccwatch: 'cli/main.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  chmodSync(join(outdir, 'ccwatch.mjs'), 0o755);
  if (inPlace) {
    mkdirSync('dist/chunks', { recursive: true });
    for (const chunk of readdirSync(join(outdir, 'chunks'))) renameSync(join(outdir, 'chunks', chunk), join('dist/chunks', chunk));
    renameSync(join(outdir, 'ccwatch.mjs'), 'dist/ccwatch.mjs');
  }
} finally {
  if (inPlace) rmSync(outdir, { recursive: true, force: true });
}
