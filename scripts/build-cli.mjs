// Builds the `ccwatch` bin (dist/ccwatch.mjs). Runs on `npm ci` (prepare); dependencies stay external.

import { chmodSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['cli/main.ts'],
  outfile: 'dist/ccwatch.mjs',
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
