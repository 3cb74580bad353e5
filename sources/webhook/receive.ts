// One webhook request from arrival to answer: read the body under its limit, parse it into
// a candidate, validate it, hand it to `dispatch`, and answer 202 only once `dispatch`
// resolved — i.e. once JetStream stored the event (sources/source.ts, DESIGN.md "The event
// path"). A sender that hears anything else keeps the event and retries.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatch, HttpHandler, SourceDeps } from '../source.js';
import { validateCloudEvent } from '../../src/events/validate.js';
import { parseRequest, type WrapOptions } from './parse-request.js';
import { readBody, RequestAbortedError } from './read-body.js';
import { refuseMethod, sendFailure, sendJson, type ReceiveOutcome } from './respond.js';

export interface ReceiveOptions {
  readonly name: string;
  readonly maxBodySize: number;
  readonly wrap: WrapOptions;
}

export function createReceiver(options: ReceiveOptions, dispatch: Dispatch, deps: SourceDeps): HttpHandler {
  const context = { source: options.name };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      refuseMethod(res, req.method);
      return;
    }
    let outcome: ReceiveOutcome;
    try {
      const body = await readBody(req, options.maxBodySize);
      const candidate = parseRequest({ headers: req.headersDistinct, body }, options.wrap);
      // Validated here so a bad event is refused with every reason before touching the
      // bus; the record is branded, so the intake's own validation is a lookup.
      const event = validateCloudEvent(candidate);
      const stored = await dispatch(event);
      outcome = stored.duplicate ? 'duplicate' : 'accepted';
      sendJson(res, 202, { id: stored.event.id, source: stored.event.source, duplicate: stored.duplicate });
    } catch (err) {
      // The sender left before its body was complete: nobody to answer, nothing received.
      if (err instanceof RequestAbortedError) return;
      outcome = sendFailure(res, err, deps.logger, context);
    }
    deps.countReceived(outcome);
  };
}
