// GET /invocations?function=&subscription=&event=&failed=&limit= — the newest invocation
// records, newest first, without their captured output, with how many records were read
// (`scanned`) and whether the read stopped at its limit (`scanLimitReached`, then `note`
// says what to do); GET /invocations/<id> — one record in full. The same queries as
// `switchboard invocations list|show`, read from the bus.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoutes } from '../../sources/source.js';
import type { Bus } from '../bus/bus.js';
import { isSwitchboardError } from '../errors.js';
import {
  defaultListLimit, listInvocations, scanLimitNote, showInvocation,
} from '../invocations/invocation-query.js';
import { summarize } from '../invocations/record.js';
import type { InvocationFilter } from '../invocations/subjects.js';
import { sendJson } from './http-server.js';

export const invocationsPath = '/invocations';
/** A page is one request per record on the bus: keep it to what a screen shows. */
export const maxListLimit = 1_000;

/** `?failed`, `?failed=true`, `?failed=1`; `false` and `0` say no. */
const booleans = new Map([['', true], ['true', true], ['1', true], ['false', false], ['0', false]]);

export function registerInvocationEndpoints(routes: HttpRoutes, options: { bus: Bus }): void {
  routes.route(invocationsPath, (req, res) => answer(res, async () => {
    const query = new URL(req.url ?? '/', 'http://switchboard').searchParams;
    const request = listRequest(query);
    if (typeof request === 'string') return sendJson(res, 400, { error: 'bad_request', message: request });
    const list = await listInvocations(options.bus, request.filter, request.limit);
    const note = scanLimitNote(list);
    sendJson(res, 200, {
      invocations: list.invocations.map(summarize),
      scanned: list.scanned,
      scanLimitReached: list.scanLimitReached,
      ...(note ? { note } : {}),
    });
  }));
  routes.route(`${invocationsPath}/*`, (req, res) => answer(res, async () => {
    const id = invocationId(req);
    if (id === undefined) return sendJson(res, 400, { error: 'bad_request', message: 'the invocation id in the path is not valid percent-encoding' });
    sendJson(res, 200, await showInvocation(options.bus, id));
  }));
}

function listRequest(query: URLSearchParams): { filter: InvocationFilter; limit: number } | string {
  const limitText = query.get('limit');
  const limit = limitText === null || limitText === '' ? defaultListLimit : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxListLimit) return `limit must be a whole number from 1 to ${maxListLimit}, not ${JSON.stringify(limitText)}`;
  const failedText = query.get('failed');
  const failed = failedText === null ? false : booleans.get(failedText);
  if (failed === undefined) return `failed must be true or false, not ${JSON.stringify(failedText)}`;
  const fn = query.get('function');
  const subscription = query.get('subscription');
  const eventId = query.get('event');
  return {
    limit,
    filter: {
      ...(fn ? { function: fn } : {}),
      ...(subscription ? { subscription } : {}),
      ...(eventId ? { eventId } : {}),
      failed,
    },
  };
}

function invocationId(req: IncomingMessage): string | undefined {
  const path = (req.url ?? '/').split('?', 1)[0]!;
  try {
    return decodeURIComponent(path.slice(invocationsPath.length + 1));
  } catch {
    return undefined;
  }
}

/** An unknown id is the caller's 404; anything else failed on the bus: 503, try again. */
async function answer(res: ServerResponse, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (isSwitchboardError(err) && err.code === 'SB_INVOCATION_NOT_FOUND') return sendJson(res, 404, { error: err.code, message: err.message });
    sendJson(res, 503, { error: 'SB_BUS_UNAVAILABLE', message: `the invocation records cannot be read from the bus: ${(err as Error).message}` });
  }
}
