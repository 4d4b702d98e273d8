// `ccwatch secrets set` and `ccwatch verify`: credentials checked against the vendor before they count.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ConfigError } from '#shared/config/parse';
import type { Config } from '#shared/config/schema';
import { SECRET_PLACEHOLDER, stackSecretName } from '#shared/contracts/names';
import { mapLimit } from '#shared/runtime/concurrency';
import { secretsManagerLoader } from '#shared/runtime/stack-secrets';
import { credentialFields, parseCredentials, type SourceConfig } from '#shared/vendors/index';
import type { SecretLoader } from '#shared/vendors/readers';
import { parseCaBundle } from '#shared/vendors/tls';
import { type Verification, verificationLine, verifySource } from '#shared/vendors/verify';
import { jsonErrorWithoutContent } from './json-error';
import { readSecretsMap, secretLoaderFor, secretsFromFile } from './secrets-file';
import { EXIT, parseFlags, UsageError } from './usage';

/** Where `secrets set` keeps credentials without --aws; `run --secrets` reads the same file. */
export const LOCAL_SECRETS_FILE = join('.ccwatch', 'secrets.json');
/** The config `secrets set` and `verify` read without --config. */
const DEFAULT_CONFIG = 'ccwatch.config.json';
/** Sources verified at once. */
const VERIFY_IN_FLIGHT = 8;
const STDIN_MAX_BYTES = 64 * 1024;

export interface CliFiles {
  readConfig(file: string): Config;
}

function configFile(given: string | undefined, help: string): string {
  if (given) return given;
  if (existsSync(DEFAULT_CONFIG)) return DEFAULT_CONFIG;
  throw new UsageError(`--config is required (there is no ./${DEFAULT_CONFIG} here)\n\n${help}`);
}

/** The certificates of the source's tls.caSecretId, if it has one; an error names the secret, never its content. */
async function caBundleOf(source: SourceConfig, load: SecretLoader): Promise<string[] | undefined> {
  if (!source.tls) return undefined;
  const id = source.tls.caSecretId;
  let raw: unknown;
  try {
    raw = await load(id, 'text');
  } catch (err) {
    throw new Error(`CA bundle secret "${id}" (tls.caSecretId) could not be read: ${(err as Error).message}`);
  }
  return parseCaBundle(id, raw);
}

// ---- verify -------------------------------------------------------------------------------------

export async function verifyCommand(args: string[], help: string, files: CliFiles): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { config: { type: 'string' }, secrets: { type: 'string' }, json: { type: 'boolean' }, stack: { type: 'string' } },
    help,
  );
  if (values.help) {
    console.log(help);
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`verify takes no arguments\n\n${help}`);
  const config = files.readConfig(configFile(values.config, help));
  const load = secretLoaderFor(values, config);
  const results = await mapLimit(config.sources, VERIFY_IN_FLIGHT, async (source): Promise<Verification> => {
    let credentials: unknown;
    let caBundle: string[] | undefined;
    try {
      credentials = await load(source.secretId).catch((err: Error) => {
        throw new Error(`secret "${source.secretId}" could not be read: ${err.message}`);
      });
      caBundle = await caBundleOf(source, load);
    } catch (err) {
      return {
        source: source.id,
        vendor: source.vendor,
        secretId: source.secretId,
        ok: false,
        reachable: null,
        signed: null,
        agents: null,
        errorKind: 'config',
        error: (err as Error).message,
      };
    }
    return verifySource(source, credentials, { caBundle });
  });
  for (const v of results) console.log(values.json ? JSON.stringify(v) : verificationLine(v));
  const failed = results.filter((v) => !v.ok).length;
  if (!values.json) process.stderr.write(`${results.length - failed} of ${results.length} source(s) verified\n`);
  return failed ? EXIT.verifyFailed : EXIT.ok;
}

// ---- secrets set ------------------------------------------------------------------------------

export async function secretsCommand(args: string[], help: string, files: CliFiles): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { config: { type: 'string' }, secrets: { type: 'string' }, aws: { type: 'boolean' }, stack: { type: 'string' } },
    help,
  );
  if (values.help) {
    console.log(help);
    return EXIT.ok;
  }
  const [sub, id, ...extra] = positionals;
  if (sub !== 'set' || !id || extra.length) throw new UsageError(`expected: ccwatch secrets set <source>\n\n${help}`);
  if (values.aws && values.secrets) throw new UsageError('--aws and --secrets exclude each other: one place to store them');
  if (values.stack !== undefined && !values.aws) throw new UsageError('--stack names the Secrets Manager secret: use it with --aws');
  const config = files.readConfig(configFile(values.config, help));
  const source = config.sources.find((s) => s.id === id);
  if (!source) throw new UsageError(`no source "${id}" in the config; its sources: ${config.sources.map((s) => s.id).join(', ')}`);

  const fields = credentialFields(source.vendor);
  const raw = process.stdin.isTTY ? await askFields(source, fields) : parseInput(await readStdin(), fields);
  const credentials = checkInput(source, fields, raw);

  // a private CA is read from where the credentials go: Secrets Manager, or the same file
  let caBundle: string[] | undefined;
  try {
    if (source.tls)
      caBundle = await caBundleOf(
        source,
        values.aws ? secretsManagerLoader(values.stack, config.sources) : secretsFromFile(values.secrets ?? LOCAL_SECRETS_FILE),
      );
  } catch (err) {
    throw new UsageError(`${(err as Error).message}: it is needed to reach ${source.id} (tls.caSecretId)`);
  }
  const v = await verifySource(source, credentials, { caBundle });
  if (!v.ok) {
    process.stderr.write(`ccwatch: the vendor did not accept these credentials; nothing was stored\n  ${verificationLine(v)}\n`);
    return EXIT.verifyFailed;
  }
  let where: string;
  try {
    where = values.aws
      ? await storeInAws(source, values.stack, credentials)
      : storeInFile(values.secrets ?? LOCAL_SECRETS_FILE, source, credentials);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) throw err;
    const e = err as Error;
    process.stderr.write(`ccwatch: verified, but storing failed (${e.name}: ${e.message}); nothing was stored\n`);
    return EXIT.usage;
  }
  console.log(`${source.id}: credentials verified and stored ${where}`);
  console.log(`  ${verificationLine(v)}`);
  if (!values.aws && !values.secrets) console.log(`  use them with: ccwatch run --config <file> --secrets ${LOCAL_SECRETS_FILE}`);
  // a deployed stack reads <stack>/<secretId>: a secret of the plain name (one a stack kept from an
  // earlier version, say) is not what its functions read
  if (values.aws && values.stack === undefined && !source.secretId.startsWith('arn:'))
    process.stderr.write(
      `ccwatch: note: stored under "${source.secretId}" as written; a deployed stack's functions read "<stack>/${source.secretId}": store there with --stack <name>\n`,
    );
  return EXIT.ok;
}

const isSecretField = (field: string) => /secret|^sk$/i.test(field);

/** Each field from the terminal; secret ones without echo. */
async function askFields(source: SourceConfig, fields: string[]): Promise<Record<string, string>> {
  process.stderr.write(`credentials for ${source.id} (${source.vendor}), stored as secret "${source.secretId}":\n`);
  const out: Record<string, string> = {};
  for (const f of fields) out[f] = (isSecretField(f) ? await askHidden(`  ${f} (not shown): `) : await askVisible(`  ${f}: `)).trim();
  return out;
}

async function askVisible(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** A line typed with echo off (raw mode): Enter ends it, Backspace deletes, Ctrl-C or Ctrl-D gives up. */
function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new UsageError('interrupted: nothing stored'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > STDIN_MAX_BYTES) throw new UsageError(`stdin: more than ${STDIN_MAX_BYTES} bytes; expected a few credential fields`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON object, or key=value lines (blank lines and # comments ignored). */
export function parseInput(text: string, fields: string[]): Record<string, unknown> {
  const expected = `expected a JSON object or key=value lines with ${fields.join(', ')}`;
  if (text.trimStart().startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`stdin: ${jsonErrorWithoutContent(text, err)}; ${expected}`);
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new UsageError(`stdin: ${expected}`);
    return obj as Record<string, unknown>;
  }
  const out: Record<string, string> = {};
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq < 1) throw new UsageError(`stdin line ${i + 1}: ${expected}`);
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

/** The vendor's credential object, or a UsageError naming fields (never their values). */
function checkInput(source: SourceConfig, fields: string[], raw: Record<string, unknown>): Record<string, string> {
  const unknown = Object.keys(raw).filter((k) => !fields.includes(k));
  if (unknown.length) throw new UsageError(`unknown field(s) ${unknown.join(', ')}: a ${source.vendor} secret has ${fields.join(', ')}`);
  const missing = fields.filter((f) => typeof raw[f] !== 'string' || !(raw[f] as string).length);
  if (missing.length) throw new UsageError(`missing or empty: ${missing.join(', ')} (a ${source.vendor} secret has ${fields.join(', ')})`);
  const placeholders = fields.filter((f) => raw[f] === SECRET_PLACEHOLDER);
  if (placeholders.length) throw new UsageError(`${placeholders.join(', ')}: still the placeholder ${SECRET_PLACEHOLDER}`);
  try {
    return parseCredentials(source.vendor, source.secretId, raw) as Record<string, string>;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Into the JSON map secretId -> credentials: a new file beside it, mode 0600, renamed over it. */
function storeInFile(file: string, source: SourceConfig, credentials: Record<string, string>): string {
  let map: Record<string, unknown> = {};
  if (existsSync(file)) map = readSecretsMap(file, '; not overwritten');
  map[source.secretId] = credentials;
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(map, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return `in ${file} as "${source.secretId}"`;
}

/**
 * PutSecretValue on the source's secret: `<stack>/<secretId>` with --stack (as a deployed stack
 * names it; created when it does not exist yet, e.g. before a deploy with importSecrets), else the
 * secretId as written, which must exist: creating it could leave the real one, under a stack's
 * name, holding its placeholders.
 */
async function storeInAws(source: SourceConfig, stack: string | undefined, credentials: Record<string, string>): Promise<string> {
  const { SecretsManagerClient, PutSecretValueCommand, CreateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
  const sm = new SecretsManagerClient({});
  const id = stack ? stackSecretName(stack, source.secretId) : source.secretId;
  const SecretString = JSON.stringify(credentials);
  try {
    await sm.send(new PutSecretValueCommand({ SecretId: id, SecretString }));
    return `in AWS Secrets Manager (secret "${id}", new version)`;
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
    if (id.startsWith('arn:')) throw new UsageError(`secret ${id} does not exist, and a secret cannot be created by ARN`);
    if (!stack)
      throw new UsageError(
        `there is no secret "${id}" in Secrets Manager. A deployed stack keeps this source's credentials as "<stack>/${id}" (its output SecretNames): pass --stack <stack name>, e.g. --stack Ccwatch (it is then created if missing)`,
      );
    await sm.send(
      new CreateSecretCommand({ Name: id, SecretString, Description: `ccwatch ${source.vendor} credentials for source "${source.id}"` }),
    );
    return `in AWS Secrets Manager (secret "${id}", created)`;
  } finally {
    sm.destroy();
  }
}
