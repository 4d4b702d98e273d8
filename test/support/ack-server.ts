import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { functionUrlResult, handleAckRequest } from '#shared/ack/http';
import type { Config } from '#shared/config/schema';
import { parseFunctionUrlEvent } from '#shared/runtime/url-event';
import type { Store } from '#shared/store/store';

/**
 * The acknowledge endpoint on a loopback port, as the Lambda serves it: each request becomes the
 * function URL event Lambda would send (query parameters, base64 body), then the same parser,
 * handler and response headers as functions/ack.
 */
export async function startAckServer(deps: { store: Store; key: string; now: () => number; config: Config }) {
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query = Object.fromEntries(url.searchParams);
      const event = {
        requestContext: { http: { method: req.method ?? 'GET' } },
        ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
        ...(body.length ? { body: body.toString('base64'), isBase64Encoded: true } : {}),
      };
      const reply = await handleAckRequest(parseFunctionUrlEvent(event), {
        store: deps.store,
        key: deps.key,
        now: deps.now(),
        config: deps.config,
      });
      const out = functionUrlResult(reply);
      res.writeHead(out.statusCode, out.headers).end(out.body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end((err as Error).stack);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // a browser keeps its connections open
        server.closeAllConnections();
      }),
  };
}
