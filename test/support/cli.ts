import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';

export const run = promisify(execFile);
export const CLI = join(process.cwd(), 'dist', 'ccwatch.mjs');

/** Builds the CLI bin as `npm ci` does (prepare), without ever emptying dist/ under a running ccwatch. */
export const buildCliNow = () => run('node', ['scripts/build-cli.mjs', '--in-place']);

/** The CLI bin for a suite: built once per run by the global setup, so suites running side by side never rebuild it under each other. */
export const buildCli = async () => {
  if (!inject('cliBuilt')) await buildCliNow();
};

/** Runs the built CLI as a process; never throws, returns what a shell would see. */
export async function ccwatch(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], {
      ...(cwd ? { cwd } : {}),
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
