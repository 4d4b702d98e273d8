import * as z from 'zod';
import { SECRET_PLACEHOLDER } from '#shared/contracts/names';
import { formatIssues } from '#shared/model/issues';
import { HuaweiClient, HuaweiCredentialsSchema, HuaweiSourceSchema } from './huawei';
import { ItnioClient, ItnioCredentialsSchema, ItnioSourceSchema } from './itnio';
import { NxClient, NxCredentialsSchema, NxSourceSchema } from './nxcloud';
import type { AgentReader } from './types';

export type { AgentRead, AgentReader } from './types';

export const SourceSchema = z.discriminatedUnion('vendor', [ItnioSourceSchema, HuaweiSourceSchema, NxSourceSchema]);
export type SourceConfig = z.infer<typeof SourceSchema>;

const CREDENTIALS = { itnio: ItnioCredentialsSchema, huawei: HuaweiCredentialsSchema, nxcloud: NxCredentialsSchema } as const;

/** The credential fields of a vendor's secret, in the order people are asked for them. */
export function credentialFields(vendor: SourceConfig['vendor']): string[] {
  return Object.keys(CREDENTIALS[vendor].shape);
}

/**
 * Whether a secret still holds the deploy's placeholder in any of the vendor's credential fields:
 * the source is not configured yet (the stack makes the first field random, the rest placeholders).
 */
export function holdsPlaceholder(vendor: SourceConfig['vendor'], raw: unknown): boolean {
  if (!raw || typeof raw !== 'object') return false;
  return credentialFields(vendor).some((f) => (raw as Record<string, unknown>)[f] === SECRET_PLACEHOLDER);
}

/** Checks a secret's shape without ever echoing its values. */
export function parseCredentials<V extends SourceConfig['vendor']>(
  vendor: V,
  secretId: string,
  raw: unknown,
): z.infer<(typeof CREDENTIALS)[V]> {
  const result = CREDENTIALS[vendor].safeParse(raw);
  if (!result.success) {
    const fields = formatIssues(result.error).map((l) => l.split(':')[0]);
    throw new Error(`secret "${secretId}" for a ${vendor} source is missing or has invalid fields: ${fields.join(', ')}`);
  }
  return result.data as z.infer<(typeof CREDENTIALS)[V]>;
}

/** `caBundle`: the PEM certificates of the source's tls.caSecretId (parseCaBundle), trusted by its pool only. */
export function createAgentReader(
  source: SourceConfig,
  rawCredentials: unknown,
  wallClock: () => number = Date.now,
  caBundle?: readonly string[],
): AgentReader {
  switch (source.vendor) {
    case 'itnio':
      return new ItnioClient(source, parseCredentials('itnio', source.secretId, rawCredentials), wallClock, caBundle);
    case 'huawei':
      return new HuaweiClient(source, parseCredentials('huawei', source.secretId, rawCredentials), wallClock, caBundle);
    case 'nxcloud':
      return new NxClient(source, parseCredentials('nxcloud', source.secretId, rawCredentials), wallClock, caBundle);
  }
}
