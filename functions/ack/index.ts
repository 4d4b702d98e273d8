import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { handleAckRequest } from '#shared/ack/http';
import { makeLogger } from '#shared/runtime/observability';
import { parseFunctionUrlEvent } from '#shared/runtime/url-event';
import { Store } from '#shared/store/store';

const logger = makeLogger('ack');
const store = new Store(new DynamoDBClient({}), process.env.CCWATCH_TABLE ?? '');
const secretId = process.env.CCWATCH_ACK_SECRET ?? '';

export const handler = async (event: unknown) => {
  const req = parseFunctionUrlEvent(event);
  const key = await getSecret(secretId, { maxAge: 300 });
  if (typeof key !== 'string' || key.length < 32) throw new Error('the acknowledge signing key is missing or too short');
  const reply = await handleAckRequest(req, { store, key, now: Date.now() });
  // the token is never logged: it is a credential for one alert
  logger.info('ack request', { method: req.method, status: reply.status });
  return {
    statusCode: reply.status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
    },
    body: reply.html,
  };
};
