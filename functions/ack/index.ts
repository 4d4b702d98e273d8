import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { handleAckRequest } from '#shared/ack/http';
import { loadAckKey } from '#shared/ack/key';
import { FN } from '#shared/contracts/names';
import { ackRuntimeFromEnv } from '#shared/runtime/env';
import { makeLogger } from '#shared/runtime/observability';
import { parseFunctionUrlEvent } from '#shared/runtime/url-event';
import { Store } from '#shared/store/store';

const logger = makeLogger(FN.ack);
const runtime = ackRuntimeFromEnv();
const store = new Store(new DynamoDBClient({}), runtime.table, logger);

export const handler = async (event: unknown) => {
  const req = parseFunctionUrlEvent(event);
  const key = await loadAckKey(runtime.secretId);
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
