import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The ccwatch package folder: the nearest one above this module holding ccwatch's package.json,
 * whether it runs from cli/ (tsx) or from dist/ or dist/chunks/ (the built bin).
 */
export function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if (JSON.parse(readFileSync(file, 'utf8')).name === 'ccwatch') return dir;
      } catch {
        // not ours: keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The version in ccwatch's package.json. */
export function packageVersion(): string {
  const root = packageRoot();
  return root ? String(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version) : 'unknown';
}
