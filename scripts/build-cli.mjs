// Builds the `ccwatch` bin (dist/ccwatch.mjs). Runs on `npm ci` (prepare); dependencies stay external.
// Split so that `ccwatch sim` code (the simulator) is a chunk loaded only by that command.

import { chmodSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { ccwatch: 'cli/main.ts' },
  outdir: 'dist',
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
chmodSync('dist/ccwatch.mjs', 0o755);
