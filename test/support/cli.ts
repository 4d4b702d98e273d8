import { execFile, spawn } from 'node:child_process';
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

/** What the CLI's AWS clients get in tests: local credentials, a region, and any endpoint overrides. */
const awsEnv = (env: Record<string, string>) => ({
  ...process.env,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_REGION: 'us-east-1',
  ...env,
});

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a process; never throws, returns what a shell would see. `env` adds to its environment. */
export async function ccwatch(args: string[], cwd?: string, env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], { ...(cwd ? { cwd } : {}), env: awsEnv(env) });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as CliResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The built CLI with `input` on its stdin (not a terminal). */
export function ccwatchWithInput(args: string[], input: string, cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('node', [CLI, ...args], { cwd, env: awsEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A command's output lines, and its JSON lines parsed. */
export const lines = (text: string) => text.trim().split('\n').filter(Boolean);
export const jsonLines = (text: string) => lines(text).map((l) => JSON.parse(l));
