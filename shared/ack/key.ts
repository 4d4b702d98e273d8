import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/** HMAC-SHA256 keys shorter than this are refused: the stack generates 64 characters. */
export const ACK_KEY_MIN_LENGTH = 32;

/** Checks a signing key; the one rule both the link maker and the endpoint apply. */
export function checkAckKey(key: unknown): string {
  if (typeof key !== 'string' || key.length < ACK_KEY_MIN_LENGTH) {
    throw new Error(`the acknowledge signing key is missing or shorter than ${ACK_KEY_MIN_LENGTH} characters`);
  }
  return key;
}

/** The signing key from Secrets Manager, cached five minutes so a rotated key is picked up. */
export async function loadAckKey(secretId: string): Promise<string> {
  return checkAckKey(await getSecret(secretId, { maxAge: 300 }));
}
