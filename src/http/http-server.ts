// The appliance's one HTTP listener: sources register their paths on it (HttpRoutes), and
// the operator endpoints (/healthz, /readyz, /metrics) are routes like any other.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { HttpHandler, HttpRoutes } from '../../sources/source.js';

export class HttpServer implements HttpRoutes {
  readonly #routes = new Map<string, HttpHandler>();
  readonly #server: Server;
  readonly #log: Logger;
  #draining = false;

  constructor(logger: Logger) {
    this.#log = logger.child({ component: 'http' });
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.keepAliveTimeout = 65_000;
  }

  /** An exact path, or `/parent/*` for every path one segment below `/parent` (the handler reads which). */
  route(path: string, handler: HttpHandler): void {
    if (this.#routes.has(path)) throw new Error(`HTTP path ${path} is already taken by another source or endpoint`);
    this.#routes.set(path, handler);
  }

  unroute(path: string): void {
    this.#routes.delete(path);
  }

  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address();
    return typeof address === 'object' && address ? { host: address.address, port: address.port } : { host, port };
  }

  /** Refuse new requests with 503 (senders retry elsewhere or later), keep operator endpoints. */
  drain(): void {
    this.#draining = true;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    // Draining comes first: sources unroute as they stop, and a 404 would make a sender
    // drop the event where a 503 makes it retry.
    if (this.#draining && !operatorPaths.has(path)) {
      res.setHeader('Retry-After', '5');
      res.setHeader('Connection', 'close');
      return sendJson(res, 503, { error: 'draining', message: 'the appliance is shutting down; retry shortly' });
    }
    const handler = this.#routes.get(path) ?? this.#routes.get(`${path.slice(0, path.lastIndexOf('/'))}/*`);
    if (!handler) return sendJson(res, 404, { error: 'not_found', message: `nothing is served at ${path}` });
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      this.#log.error({ err, path }, 'request handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'internal error; see the appliance log' });
      else res.destroy();
    });
  }
}

const operatorPaths = new Set(['/healthz', '/readyz', '/metrics']);

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
