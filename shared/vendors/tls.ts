import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import * as z from 'zod';
import { takes } from '#shared/model/issues';

/**
 * A source's extra TLS trust, for a vendor whose certificate comes from a private CA (an
 * on-premise Huawei CC-CMS on https://10.22.26.181:28080 signed by the company's own CA). Only
 * that source's connection pool trusts the bundle, on top of the public roots. Certificate checks
 * cannot be turned off: there is no `rejectUnauthorized` here or anywhere.
 */
export const SourceTlsSchema = z.strictObject(
  {
    /**
     * Secrets Manager secret id (name or ARN) whose string value (not JSON) is a PEM bundle: the
     * CA certificate(s) the vendor's certificate chains to.
     */
    caSecretId: z
      .string({ error: 'expected the id (name or ARN) of the secret holding the PEM CA bundle' })
      .min(1, 'expected the id (name or ARN) of the secret holding the PEM CA bundle'),
  },
  takes(
    'tls',
    "only caSecretId, the secret holding the PEM bundle of the CA that signed the vendor's certificate (certificate checks cannot be turned off)",
  ),
);
export type SourceTls = z.infer<typeof SourceTlsSchema>;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The certificates of a CA bundle secret, each checked to parse; an error names the secret and
 * what is wrong, never its content. Anything around the certificate blocks (comments, a
 * `subject=` line from openssl) is ignored, but a private key is refused: it does not belong here.
 */
export function parseCaBundle(secretId: string, raw: unknown): string[] {
  const what = `CA bundle secret "${secretId}" (tls.caSecretId)`;
  if (typeof raw !== 'string')
    throw new Error(`${what} must hold the PEM bundle as its plain string value, not ${raw instanceof Uint8Array ? 'binary' : 'JSON'}`);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(raw))
    throw new Error(`${what} holds a private key: store only the CA certificate(s), never a key`);
  const certs = raw.match(PEM_CERTIFICATE) ?? [];
  if (!certs.length) throw new Error(`${what} holds no PEM certificate: expected one or more "-----BEGIN CERTIFICATE-----" blocks`);
  for (const [i, pem] of certs.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      throw new Error(`${what}: certificate ${i + 1} of ${certs.length} is not a valid PEM certificate`);
    }
  }
  return certs;
}

/** What a source's pool trusts: the public roots Node ships, plus its own bundle. */
export function trustedCas(bundle: readonly string[]): string[] {
  return [...rootCertificates, ...bundle];
}

/** OpenSSL's certificate verification failures (and Node's host-name check), as Node reports them in `code`. */
const CERT_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The verification code when `err` (or its cause) says the server's certificate was not trusted. */
export function certificateErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 3; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && CERT_ERRORS.has(e.code)) return e.code;
  }
  return undefined;
}
