// The wiring: bus, streams, processor, router, HTTP and sources, started in the order that
// loses nothing (consumers exist before any source accepts an event) and stopped in the
// reverse order (intake first, then in-flight invocations drain, then the bus).

import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Bus } from './bus/bus.js';
import { startEmbeddedServer, type EmbeddedServer } from './bus/embedded-server.js';
import { readOrCreateEmbeddedToken } from './bus/embedded-token.js';
import { connectNatsBus } from './bus/nats-bus.js';
import type { ResolvedConfig } from './config/types.js';
import { deadLetterStream, streamSpecs } from './events/streams.js';
import { HttpServer } from './http/http-server.js';
import { registerOperatorEndpoints, type ReadinessCheck } from './http/operator-endpoints.js';
import { registerFunctionsEndpoint } from './http/functions-endpoint.js';
import { registerInvocationEndpoints } from './http/invocation-endpoints.js';
import { guardedRoutes, operatorGuard } from './http/operator-auth.js';
import { createMetrics } from './metrics.js';
import { FunctionSnapshots } from './reload/function-snapshots.js';
import { LiveCatalog } from './reload/live-catalog.js';
import { Reloader, snapshotCatalog } from './reload/reloader.js';
import { Router } from './router/router.js';
import type { FunctionCatalog } from './runtime/function-definition.js';
import { createLocalProcessor } from '../processors/local/index.js';
import { protectedPaths } from './runtime/protected-paths.js';
import type { Processor } from '../processors/processor.js';
import type { Source } from '../sources/source.js';
import { runSources, type RunningSources } from './run-sources.js';

export const defaultAckWaitMs = 30_000;

export interface Appliance {
  /** Where the HTTP listener ended up (port 0 in tests picks a free one). */
  readonly http: { host: string; port: number };
  readonly bus: Bus;
  /** What /readyz answers: the bus, the router, each source, hot reload. */
  readiness(): ReadinessCheck[];
  /** Drain: stop intake, let invocations finish or hand them back, close the bus. */
  stop(): Promise<void>;
}

export interface ApplianceHooks {
  /** The appliance cannot go on (its bus connection closed for good): the caller exits. */
  readonly onFatal?: (err: Error) => void;
}

export async function startAppliance(
  config: ResolvedConfig,
  functions: FunctionCatalog,
  logger: Logger,
  hooks: ApplianceHooks = {},
): Promise<Appliance> {
  let stopping = false;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    let servers = config.bus.servers;
    let token = config.bus.token;
    let embedded: EmbeddedServer | undefined;
    if (config.bus.embedded) {
      await mkdir(config.bus.dataDir, { recursive: true, mode: 0o750 });
      token = await readOrCreateEmbeddedToken(config.bus.dataDir);
      embedded = await startEmbeddedServer({
        dataDir: config.bus.dataDir, port: config.bus.port, token, logger: logger.child({ component: 'nats-server' }),
      });
      cleanups.push(() => embedded!.stop());
      servers = [embedded.url];
    }
    const bus = await connectNatsBus({
      servers,
      logger: logger.child({ component: 'bus' }),
      user: config.bus.user,
      password: config.bus.password,
      token,
      replicas: config.bus.replicas,
    });
    cleanups.push(() => bus.close());
    // nats.js reconnects forever; a close is final (e.g. credentials refused on reconnect).
    // Nothing can be stored or delivered any more: say so and let the supervisor restart us.
    void bus.closed.then((err) => {
      if (stopping) return;
      const fatal = err ?? new Error('the NATS connection closed');
      logger.fatal({ err: fatal }, 'the bus connection closed for good; exiting so that the service manager restarts switchboard');
      hooks.onFatal?.(fatal);
    });
    for (const spec of streamSpecs(config.bus)) await bus.ensureStream(spec);

    let sources: RunningSources | undefined;
    const metrics = createMetrics({
      deadLetterDepth: async () => (await bus.streamState(deadLetterStream)).messages,
      sourceStates: () => (sources?.list ?? []).map((s) => ({ source: s.name, state: s.health().state })),
    });
    // Hot reload swaps definitions in this catalog; each version runs from its own copy.
    const snapshots = config.functions.watch ? await FunctionSnapshots.create() : undefined;
    if (snapshots) cleanups.push(() => snapshots.remove());
    const catalog = snapshots ? await snapshotCatalog(functions, snapshots) : LiveCatalog.inPlace(functions);
    const processor: Processor = createLocalProcessor({
      functions: catalog,
      logger: logger.child({ component: 'runner' }),
      maxWorkersPerFunction: config.functions.maxWorkersPerFunction,
      sandbox: config.functions.sandbox,
      protectedPaths: protectedPaths(config),
      prestartedWorkers: config.functions.prestartedWorkers,
      loadTimeoutMs: config.functions.loadTimeoutMs,
      defaultMemoryMb: config.functions.defaultMemoryMb,
    });
    cleanups.push(() => processor.close(0));
    // minWarm workers start now, in the background: a slow init() must not delay intake.
    void processor.warm().catch((err: unknown) => logger.error({ err }, 'provisioning warm workers failed'));

    const router = new Router({
      bus, processor, functions: catalog, metrics, logger,
      defaultTimeoutMs: config.functions.defaultTimeoutMs,
      ackWaitMs: config.bus.ackWaitMs ?? defaultAckWaitMs,
      maxChainDepth: config.functions.maxChainDepth,
    });
    await router.start(config.subscriptions);
    cleanups.push(() => router.stop(0));

    const http = new HttpServer(logger);
    const running = runSources(config, bus, http, metrics, logger);
    sources = running;
    cleanups.push(() => running.stop());
    await running.started;
    let reloader: Reloader | undefined;
    const guard = operatorGuard(config.http.operatorToken);
    if (config.http.operatorToken === undefined) {
      logger.warn({ http: `${config.http.host}:${config.http.port}` }, 'http.operatorToken is not set: the operator endpoints (the records of what functions did and said, the function list, the metrics) answer anyone who can reach this port, functions with network included');
    }
    const checks = () => [...readiness(bus, router, running.list), ...(reloader ? [reloader.health()] : [])];
    registerOperatorEndpoints(http, { registry: metrics.registry, readiness: checks, guard });
    const operatorRoutes = guardedRoutes(http, guard);
    registerFunctionsEndpoint(operatorRoutes, { functions: catalog.sources(), subscriptions: () => router.subscriptions(), processor });
    registerInvocationEndpoints(operatorRoutes, { bus });
    const address = await http.listen(config.http.host, config.http.port);
    cleanups.push(() => http.close());
    if (snapshots) {
      const warm = () => void processor.warm().catch((err: unknown) => logger.error({ err }, 'provisioning warm workers failed'));
      reloader = new Reloader({ config, catalog, snapshots, router, logger, registry: metrics.registry, onApplied: warm });
      await reloader.start();
      cleanups.push(async () => reloader?.stop());
    }
    logger.info({ http: address, sources: running.list.length, subscriptions: config.subscriptions.length }, 'switchboard is running');

    return {
      http: address,
      bus,
      readiness: checks,
      async stop() {
        stopping = true;
        const grace = config.shutdownTimeoutMs;
        logger.info({ graceMs: grace }, 'draining');
        reloader?.stop();
        http.drain();
        // Sources first (checkpoints written while the bus is still there), in parallel
        // with the invocations draining.
        // 10 s: a source may wait out its upstream's close handshake before its last write.
        await Promise.all([running.stop(10_000), router.stop(grace)]);
        await processor.close(0);
        await snapshots?.remove();
        await bus.close();
        await embedded?.stop();
        await http.close();
        logger.info('stopped');
      },
    };
  } catch (err) {
    stopping = true;
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw err;
  }
}

function readiness(bus: Bus, router: Router, sources: readonly Source[]): ReadinessCheck[] {
  const routerHealth = router.health();
  return [
    { name: 'bus', ok: bus.connected(), detail: bus.connected() ? 'connected' : 'not connected to NATS' },
    {
      name: 'router',
      ok: routerHealth.problems.length === 0,
      detail: [`${routerHealth.running}/${routerHealth.subscriptions} subscription consumers running`, ...routerHealth.problems].join('; '),
    },
    ...sources.map((s) => {
      const h = s.health();
      return { name: `source:${s.name}`, ok: h.state === 'running', detail: h.detail ?? h.state };
    }),
  ];
}
