// A vCenter-like server for the event stream contract (docs: /work/shared/contracts/
// vcenter-events-ws.md), in-process: sessions, the WebSocket stream with replay, gaps and
// pings, events at a rate or on demand, and the faults a source must survive on command.

import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { SessionStore } from './auth.js';
import { createEventGenerator } from './event-generator.js';
import { EventLog } from './event-log.js';
import { closeCodes } from './frames.js';
import { createRequestHandler } from './http-routes.js';
import { resolveOptions, type SimulatorOptions } from './options.js';
import { createRandom, randomUuid } from './random.js';
import { startRateTimer } from './rate-timer.js';
import { StreamConnection, type StreamSettings } from './stream-connection.js';
import { createUpgradeHandler, type AcceptedStream } from './stream-upgrade.js';
import type { VsphereEvent } from './types.js';

export type DropCode = 1000 | 1001 | 'abrupt';

export interface VcenterSimulator {
  /** The base URL a source is configured with, e.g. http://127.0.0.1:8990. */
  readonly url: string;
  readonly instanceUuid: string;
  readonly apiVersion: string;
  readonly username: string;
  readonly password: string;
  /** Create n events now and push them to every live connection. */
  emit(n?: number): Promise<VsphereEvent[]>;
  /** The retained events, oldest first. */
  events(): VsphereEvent[];
  /** The newest Key handed out (firstKey - 1 before the first event). */
  readonly latestKey: number;
  /** The oldest retained Key (the next Key when none is retained). */
  readonly oldestKey: number;
  /** Close every connection with 1001 (default) or 1000, or cut them without a close frame. */
  dropConnections(code?: DropCode): number;
  /** End every session now: its connections close with 4001 and its id is refused from then on. */
  expireSessions(): number;
  /** Discard the oldest n retained events, so that resuming from before them reports a gap. */
  forget(n: number): number;
  /** Open WebSocket connections. */
  readonly connections: number;
  readonly sessionsCreated: number;
  stop(): Promise<void>;
}

// A client this far behind is cut off rather than buffered without bound.
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export async function startVcenterSimulator(options: Partial<SimulatorOptions> = {}): Promise<VcenterSimulator> {
  const o = resolveOptions(options);
  const { logger } = o;
  const random = createRandom(o.seed);
  // Drawn apart from the events, so naming the instance does not change the event sequence.
  const instanceUuid = o.instanceUuid ?? randomUuid(createRandom(o.seed ^ 0x5bd1e995));
  const log = new EventLog({ retain: o.retain, firstKey: o.firstKey, keyStep: o.keyStep, random, generator: createEventGenerator(random) });
  const live = new Set<StreamConnection>();
  const settings: StreamSettings = { batchSize: o.batchSize, pingIntervalMs: o.pingIntervalMs, pongTimeoutMs: o.pongTimeoutMs, maxBufferedBytes: MAX_BUFFERED_BYTES };

  // Contract section 2: a session that expires closes the connections it opened with 4001.
  const sessions = new SessionStore({ username: o.username, password: o.password }, o.sessionTtlMs, (sessionId) => {
    const using = [...live].filter((c) => c.auth.kind === 'session' && c.auth.sessionId === sessionId);
    for (const c of using) c.close(closeCodes.sessionExpired, 'session expired');
    logger.info({ connectionsClosed: using.length }, 'session expired');
  });

  const onStream = ({ ws, auth, since, remote }: AcceptedStream): void => {
    const connection = new StreamConnection(ws, auth, remote, settings, (code, reason) => {
      live.delete(connection);
      logger.info({ remote, code, reason, connections: live.size }, 'stream closed');
    });
    if (since.kind === 'malformed') {
      logger.warn({ remote, since: since.text }, 'stream refused: since is not a positive integer');
      connection.close(closeCodes.badRequest, 'since must be a positive integer (a Key)');
      return;
    }
    // Hello, gap and replay are worked out and queued in this tick, before the connection
    // joins the live set: no event can fall between the replay and the live stream.
    const hello = { instanceUuid, apiVersion: o.apiVersion, oldestKey: log.oldestKey, latestKey: log.latestKey };
    const resume = since.kind === 'resume' ? since.key : undefined;
    const gap = resume !== undefined && log.lostAfter(resume) ? { requestedSince: resume, oldestKey: log.oldestKey } : undefined;
    const replay = resume === undefined ? [] : log.after(resume);
    connection.start({ hello, gap, replay });
    live.add(connection);
    logger.info({ remote, auth: auth.kind, since: resume ?? null, replayed: replay.length, gap: gap !== undefined, connections: live.size }, 'stream opened');
    if (gap) logger.warn({ remote, requestedSince: resume, oldestKey: gap.oldestKey }, 'client resumed from before the retention window: gap sent');
  };

  const server: Server = o.tls ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }) : createHttpServer();
  const wss = new WebSocketServer({ noServer: true });
  server.on('request', createRequestHandler(sessions, logger));
  server.on('upgrade', createUpgradeHandler(wss, sessions, logger, onStream));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `${o.tls ? 'https' : 'http'}://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;

  const emitNow = (n: number): VsphereEvent[] => {
    const { events, stored } = log.append(n);
    for (const c of live) c.push(stored);
    return events;
  };
  const dropConnections = (code: DropCode = closeCodes.goingAway): number => {
    const all = [...live];
    for (const c of all) code === 'abrupt' ? c.terminate() : c.close(code, code === closeCodes.goingAway ? 'going away' : 'normal closure');
    if (all.length) logger.info({ connections: all.length, mode: code }, 'connections dropped');
    return all.length;
  };
  const stopRate = startRateTimer(o.rate, emitNow);
  const dropTimer = o.dropEveryMs === undefined ? undefined : setInterval(() => dropConnections(o.dropMode === 'abrupt' ? 'abrupt' : closeCodes.goingAway), o.dropEveryMs);

  let stopping: Promise<void> | undefined;
  return {
    url,
    instanceUuid,
    apiVersion: o.apiVersion,
    username: o.username,
    password: o.password,
    emit: async (n = 1) => emitNow(n),
    events: () => log.events(),
    get latestKey() { return log.latestKey; },
    get oldestKey() { return log.oldestKey; },
    dropConnections,
    expireSessions: () => sessions.expireAll(),
    forget: (n) => log.forget(n),
    get connections() { return live.size; },
    get sessionsCreated() { return sessions.created; },
    stop: () => (stopping ??= (async () => {
      stopRate();
      clearInterval(dropTimer);
      sessions.clear();
      for (const c of live) c.close(closeCodes.goingAway, 'simulator stopping');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      wss.close();
      // A peer that ignores the close frame is cut off after a grace (see StreamConnection).
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2_000).unref())]);
      for (const c of live) c.terminate();
      await closed;
    })()),
  };
}
