import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * AWS's DynamoDB Local ships inside this npm package. We unpack only its `emulator/` folder into
 * an ignored cache instead of installing the package and its ~280 dependencies.
 */
const PACKAGE = 'amplify-dynamodb-simulator';
const VERSION = '2.9.30';
const INTEGRITY = 'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const EMULATOR_DIR = join(repoRoot, '.cache', 'dynamodb-local', VERSION);

/** Unpacks DynamoDB Local once (verifying the registry's integrity hash); returns its folder. */
export async function ensureDynamoDbLocal(): Promise<string> {
  if (existsSync(join(EMULATOR_DIR, 'DynamoDBLocal.jar'))) return EMULATOR_DIR;
  mkdirSync(dirname(EMULATOR_DIR), { recursive: true });
  const tmp = mkdtempSync(join(dirname(EMULATOR_DIR), 'fetch-'));
  try {
    const { stdout } = await run('npm', ['pack', `${PACKAGE}@${VERSION}`, '--pack-destination', tmp, '--silent'], { cwd: tmp });
    const tgz = join(tmp, stdout.trim().split('\n').pop() ?? '');
    const digest = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
    if (digest !== INTEGRITY) throw new Error(`${PACKAGE}@${VERSION} tarball integrity mismatch: ${digest}`);
    await run('tar', ['-xzf', tgz, '-C', tmp, 'package/emulator']);
    if (!existsSync(EMULATOR_DIR)) renameSync(join(tmp, 'package', 'emulator'), EMULATOR_DIR);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return EMULATOR_DIR;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePort(port));
    });
  });
}

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local on a free port: in memory, or persisted in `dbPath`. With `ownProcessGroup`
 * a terminal's Ctrl-C does not reach it (only this process, which must then stop it or exit: the
 * JVM is killed on exit either way), so a caller handling SIGINT can still finish storing.
 */
export async function startDynamoDbLocal(opts: { dbPath?: string; ownProcessGroup?: boolean } = {}): Promise<DynamoDbLocal> {
  const dir = await ensureDynamoDbLocal();
  const port = await freePort();
  const storage = opts.dbPath ? ['-dbPath', opts.dbPath, '-sharedDb'] : ['-inMemory', '-sharedDb'];
  if (opts.dbPath) mkdirSync(opts.dbPath, { recursive: true });
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      ...storage,
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: opts.ownProcessGroup ?? false },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // never leave a JVM behind when this process ends without stopping it
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${stderr.slice(0, 500)}`);
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          'content-type': 'application/x-amz-json-1.0',
          authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
        },
        body: '{}',
      });
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`DynamoDB Local did not start on ${endpoint} within 60 s: ${stderr.slice(0, 500)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
