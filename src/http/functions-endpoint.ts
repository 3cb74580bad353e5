// GET /functions: every function the running appliance serves, as `functions list` describes
// it, with its workers right now (pid, idle or busy, invocations run). The CLI's
// `functions list` reads it to show warm workers.

import type { HttpRoutes } from '../../sources/source.js';
import type { Processor } from '../../processors/processor.js';
import type { SubscriptionConfig } from '../config/types.js';
import { describeFunction } from '../runtime/describe-function.js';
import type { FunctionCatalog } from '../runtime/function-definition.js';
import { sendJson } from './http-server.js';

export const functionsPath = '/functions';

export function registerFunctionsEndpoint(
  routes: HttpRoutes,
  options: { functions: FunctionCatalog; subscriptions: () => readonly SubscriptionConfig[]; processor: Processor },
): void {
  routes.route(functionsPath, (_req, res) => {
    const workers = new Map(options.processor.status().map((s) => [s.function, s.workers]));
    const subscriptions = options.subscriptions();
    const rows = options.functions.names().map((name) => ({
      ...describeFunction(options.functions.get(name)!, subscriptions.filter((s) => s.function === name).map((s) => s.name)),
      workers: workers.get(name) ?? [],
    }));
    sendJson(res, 200, { functions: rows, prestartedWorkers: options.processor.prestarted?.() ?? [] });
  });
}
