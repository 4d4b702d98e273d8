import '#shared/runtime/source-mapped';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { functionUrlResult, handleAckRequest, handleWebhookEvent } from '#shared/ack/http';
import { loadAckKey } from '#shared/ack/key';
import { FN } from '#shared/contracts/names';
import { ackRuntimeFromEnv } from '#shared/runtime/env';
import { makeLogger } from '#shared/runtime/observability';
import { secretsManagerLoader } from '#shared/runtime/stack-secrets';
import { parseFunctionUrlEvent } from '#shared/runtime/url-event';
import { Store } from '#shared/store/store';

const logger = makeLogger(FN.ack);
const runtime = ackRuntimeFromEnv();
const store = new Store(new DynamoDBClient({}), runtime.table, logger);
// the channels' webhook secrets (webhookSecretId), named as the operator wrote them
const loadSecret = secretsManagerLoader(undefined, []);

export const handler = async (event: unknown) => {
  const hook = await handleWebhookEvent(event, { store, config: runtime.config, loadSecret, now: Date.now(), log: logger });
  if (hook) {
    logger.info('webhook request', { path: hook.path, status: hook.status });
    return hook.result;
  }
  const req = parseFunctionUrlEvent(event);
  const key = await loadAckKey(runtime.secretId);
  const reply = await handleAckRequest(req, { store, key, now: Date.now(), config: runtime.config });
  // the token is never logged: it is a credential for one alert, or for one channel's open alerts
  logger.info('ack request', { method: req.method, page: 'c' in req.query || 'c' in req.form, status: reply.status });
  return functionUrlResult(reply);
};
