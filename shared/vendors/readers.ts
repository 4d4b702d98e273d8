import { createHash } from 'node:crypto';
import { SourceError } from './errors';
import { type AgentReader, createAgentReader, holdsPlaceholder, type SourceConfig } from './index';
import { ItnioClient } from './itnio';
import { parseCaBundle } from './tls';

/**
 * Returns a secret's value, e.g. from Secrets Manager: a source's credential object (JSON), or,
 * asked `as: 'text'`, the string as stored (a tls.caSecretId PEM bundle). A loader over a map of
 * values (tests, the CLI's --secrets file) may ignore `as` and return what the map holds.
 */
export type SecretLoader = (secretId: string, as?: 'json' | 'text') => Promise<unknown>;

/**
 * Keeps one adapter (and so one keep-alive pool) per source across warm invocations, and makes a
 * new one when the source's config or its credentials change (a rotated secret).
 */
export class ReaderPool {
  private readonly readers = new Map<string, { fingerprint: string; reader: AgentReader }>();

  constructor(
    private readonly loadSecret: SecretLoader,
    private readonly wallClock: () => number = Date.now,
  ) {}

  async get(source: SourceConfig): Promise<AgentReader> {
    let credentials: unknown;
    try {
      credentials = await this.loadSecret(source.secretId);
    } catch (err) {
      throw new SourceError(source.id, 'config', `secret "${source.secretId}" could not be read: ${(err as Error).message}`);
    }
    // the deploy's placeholders: not configured yet, which is no vendor failure (nothing is sent)
    if (holdsPlaceholder(source.vendor, credentials)) {
      throw new SourceError(source.id, 'not-configured', `secret "${source.secretId}" still holds placeholder values`);
    }
    const caBundle = source.tls ? await this.caBundle(source.id, source.tls.caSecretId) : undefined;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(source))
      .update(JSON.stringify(credentials ?? null))
      .update(JSON.stringify(caBundle ?? null))
      .digest('hex');
    const cached = this.readers.get(source.id);
    if (cached?.fingerprint === fingerprint) return cached.reader;
    if (cached) await cached.reader.close();
    let reader: AgentReader;
    try {
      reader = createAgentReader(source, credentials, this.wallClock, caBundle);
    } catch (err) {
      throw new SourceError(source.id, 'config', (err as Error).message);
    }
    this.readers.set(source.id, { fingerprint, reader });
    return reader;
  }

  /** The certificates of a source's tls.caSecretId; a 'config' error naming the source and the secret. */
  private async caBundle(sourceId: string, secretId: string): Promise<string[]> {
    let raw: unknown;
    try {
      raw = await this.loadSecret(secretId, 'text');
    } catch (err) {
      throw new SourceError(
        sourceId,
        'config',
        `CA bundle secret "${secretId}" (tls.caSecretId) could not be read: ${(err as Error).message}`,
      );
    }
    try {
      return parseCaBundle(secretId, raw);
    } catch (err) {
      throw new SourceError(sourceId, 'config', (err as Error).message);
    }
  }

  /** The ITNIO client of a source, for preview tasks. */
  async taskClient(source: SourceConfig): Promise<ItnioClient> {
    const reader = await this.get(source);
    if (!(reader instanceof ItnioClient))
      throw new SourceError(source.id, 'config', `preview tasks need an ITNIO source; "${source.id}" is ${source.vendor}`);
    return reader;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.readers.values()].map((r) => r.reader.close()));
    this.readers.clear();
  }
}
