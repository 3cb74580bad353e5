// /healthz (the process answers), /readyz (it can do its job: bus connected, consumers
// running, sources healthy) and /metrics (Prometheus text format).

import type { Registry } from 'prom-client';
import type { HttpRoutes } from '../../sources/source.js';
import { sendJson } from './http-server.js';
import type { OperatorGuard } from './operator-auth.js';

export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export function registerOperatorEndpoints(
  routes: HttpRoutes,
  options: { registry: Registry; readiness: () => ReadinessCheck[]; guard?: OperatorGuard },
): void {
  routes.route('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
  routes.route('/readyz', (_req, res) => {
    const checks = options.readiness();
    const ready = checks.every((c) => c.ok);
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
  });
  routes.route('/metrics', (options.guard ?? ((h) => h))(async (_req, res) => {
    const body = await options.registry.metrics();
    res.writeHead(200, { 'Content-Type': options.registry.contentType });
    res.end(body);
  }));
}
