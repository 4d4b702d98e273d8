import { createServer, request, type Server } from 'node:http';
import { closeServer, listenLoopback } from '../../local/loopback';

/**
 * A loopback proxy in front of DynamoDB Local that fails the requests a test picks (by operation
 * and body), the way a dropped endpoint would: the real client sees real 5xx answers.
 */
export class DynamoProxy {
  private server?: Server;
  /** Requests matching this fail with HTTP 500 (the SDK retries, then gives up). */
  failWhen?: (target: string, body: string) => boolean;
  failed = 0;

  constructor(private readonly upstream: string) {}

  endpoint = '';

  async start(): Promise<this> {
    const up = new URL(this.upstream);
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (this.failWhen?.(target, body.toString('utf8'))) {
        this.failed++;
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' }));
        return;
      }
      const fwd = request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 500, upRes.headers);
        upRes.pipe(res);
      });
      fwd.on('error', () => res.destroy());
      fwd.end(body);
    });
    this.endpoint = await listenLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
