// One connection's worth of the stream (contract section 2): wait for hello, then turn
// each event into a CloudEvent and publish it in Key order, skip duplicates, surface gaps,
// and move the checkpoint as the bus stores. Ends when the connection does, after every
// dispatch in flight has landed, so the caller resumes from an exact checkpoint.

import type { Logger } from 'pino';
import { BusUnavailableError, EventTooLargeError } from '../../src/errors.js';
import type { Dispatch, SourceDeps } from '../source.js';
import type { Checkpoint } from './checkpoint.js';
import { Connection, type ConnectionEnd, type ConnectionOptions } from './connection.js';
import type { GapFrame, HelloFrame, ServerFrame } from './frames.js';
import { gapEvent, gapEventId, lostUpperBound } from './gap.js';
import { OrderedPublisher, type PublisherLimits, type Publication } from './ordered-publisher.js';
import { readVsphereEvent, toCloudEvent } from './to-cloudevent.js';

export interface StreamContext {
  /** The configured URL: the CloudEvent source of every event. */
  readonly source: string;
  readonly connection: ConnectionOptions;
  readonly since: number | undefined;
  readonly dispatch: Dispatch;
  readonly checkpoint: Checkpoint;
  readonly deps: Pick<SourceDeps, 'countReceived' | 'countLost'>;
  readonly logger: Logger;
  readonly limits: PublisherLimits;
  /** Gap ids already surfaced by this source: a gap repeated after a reconnect is counted once. */
  readonly gapsSeen: Set<string>;
  /** Frame kinds this client does not know, already logged once. */
  readonly unknownKinds: Set<string>;
  readonly now: () => Date;
  /** The connection said hello. */
  readonly onHello: (hello: HelloFrame) => void;
  /** The bus stored events of this connection: it works end to end. */
  readonly onStored: () => void;
}

export interface StreamOutcome {
  readonly end: ConnectionEnd;
  readonly hello?: HelloFrame;
  /** Why this side closed the connection, when it did (not on stop). */
  readonly closedBecause?: 'bus' | 'protocol';
  readonly problem?: string;
}

// Codes this side closes with (RFC 6455 7.4.1): 1000 to stop, 1002 when the server broke
// the protocol, 1011 when the bus cannot store what the server sends.
const closeNormal = 1000;
const closeProtocolError = 1002;
const closeUnavailable = 1011;

export async function runStream(ctx: StreamContext, signal: AbortSignal): Promise<StreamOutcome> {
  const { logger, deps } = ctx;
  let hello: HelloFrame | undefined;
  let lastSeen: number | undefined;
  let closedBecause: StreamOutcome['closedBecause'];
  let problem: string | undefined;
  let malformedLogged = false;

  const closeFor = (why: 'bus' | 'protocol', what: string) => {
    if (closedBecause !== undefined) return;
    closedBecause = why;
    problem = what;
    publisher.halt();
    connection.close(why === 'bus' ? closeUnavailable : closeProtocolError, what.slice(0, 120));
  };

  const publisher = new OrderedPublisher(ctx.dispatch, {
    stored: (p, stored) => {
      if (p.key !== undefined) deps.countReceived(stored.duplicate ? 'duplicate' : 'accepted');
    },
    refused: (p, error) => {
      if (p.key !== undefined) deps.countReceived(error instanceof EventTooLargeError ? 'too_large' : 'invalid');
      logger.error({ err: error, key: p.key, eventId: p.candidate['id'] }, 'vcenter event refused by the intake; skipped (it can never be stored)');
    },
    unstored: (p, error) => {
      if (p.key !== undefined) deps.countReceived(error instanceof BusUnavailableError ? 'unavailable' : 'error');
      if (closedBecause === undefined) logger.debug({ err: error, key: p.key }, 'the bus did not store a vcenter event; closing the stream to resume from the checkpoint');
      // The detail names the condition, not the event, so retries repeat it word for word.
      closeFor('bus', error.message);
    },
    advanced: (key) => {
      if (hello) ctx.checkpoint.advance(hello.instanceUuid, key);
      ctx.onStored();
    },
    drained: () => connection.resume(),
  }, ctx.limits);

  const malformed = (what: string) => {
    deps.countReceived('malformed');
    // The first per connection is a warning; a server that keeps sending them is one line.
    if (!malformedLogged) logger.warn({ problem: what }, 'malformed frame or event from the vCenter skipped');
    else logger.debug({ problem: what }, 'malformed frame or event from the vCenter skipped');
    malformedLogged = true;
  };

  const submit = (publication: Publication) => {
    if (!publisher.submit(publication)) connection.pause();
  };

  const onEvents = (events: readonly unknown[], mapping: { source: string; apiVersion: string }) => {
    for (const value of events) {
      if (publisher.halted) return;
      const event = readVsphereEvent(value);
      if (typeof event === 'string') {
        malformed(event);
        continue;
      }
      // Contract section 2: a Key not greater than the last one seen is a duplicate.
      if (lastSeen !== undefined && event.key <= lastSeen) {
        deps.countReceived('duplicate');
        continue;
      }
      lastSeen = event.key;
      submit({ key: event.key, candidate: toCloudEvent(event, mapping) });
    }
  };

  const onGap = (gap: GapFrame, instanceUuid: string) => {
    const id = gapEventId(instanceUuid, gap);
    const lost = lostUpperBound(gap);
    if (!ctx.gapsSeen.has(id)) {
      ctx.gapsSeen.add(id);
      deps.countLost(lost);
      logger.error(
        { requestedSince: gap.requestedSince, oldestKey: gap.oldestKey, instanceUuid, lostAtMost: lost },
        `vCenter no longer retains events after key ${gap.requestedSince} and before ${gap.oldestKey}: up to ${lost} events are lost (keys are not contiguous, so this is an upper bound); going on`,
      );
    }
    // Dispatched every time: the id is the same, so the bus stores it once.
    submit({ key: undefined, candidate: gapEvent(gap, instanceUuid, ctx.source, ctx.now()) });
  };

  const onFrame = (frame: ServerFrame) => {
    if (closedBecause !== undefined || signal.aborted) return;
    if (frame.kind === 'malformed') return malformed(frame.problem);
    if (frame.kind === 'ping') return; // answered by the connection, at once
    if (frame.kind === 'unknown') {
      if (!ctx.unknownKinds.has(frame.name)) logger.warn({ kind: frame.name }, 'vCenter sent a frame kind this source does not know; ignoring it');
      ctx.unknownKinds.add(frame.name);
      return;
    }
    if (frame.kind === 'hello') {
      if (hello) return void logger.warn('vCenter sent a second hello on one connection; ignoring it');
      hello = frame;
      lastSeen = startingPoint(ctx, frame, logger);
      ctx.onHello(frame);
      return;
    }
    // Contract section 2: hello is the first frame on every connection; without it there is
    // no instance to checkpoint against and no apiVersion to publish.
    if (!hello) return closeFor('protocol', `the vCenter sent "${frame.kind === 'events' ? 'event' : frame.kind}" before hello`);
    if (frame.kind === 'gap') return onGap(frame, hello.instanceUuid);
    onEvents(frame.events, { source: ctx.source, apiVersion: hello.apiVersion });
  };

  const connection = new Connection(ctx.connection, onFrame);
  const stop = () => {
    publisher.halt();
    connection.close(closeNormal, 'switchboard source stopping');
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    const end = await connection.ended;
    publisher.halt();
    // Every dispatch lands (stored or refused) before the next connection computes `since`.
    await publisher.settled();
    return {
      end,
      ...(hello ? { hello } : {}),
      ...(closedBecause ? { closedBecause } : {}),
      ...(problem ? { problem } : {}),
    };
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/**
 * The Key the connection's duplicate rule starts from. With the same instance as the
 * checkpoint, everything up to `since` is stored already; with another (the vCenter was
 * replaced) its keys mean nothing and the checkpoint starts over.
 */
function startingPoint(ctx: StreamContext, hello: HelloFrame, logger: Logger): number | undefined {
  const previous = ctx.checkpoint.instanceUuid;
  const adopted = ctx.checkpoint.adopt(hello.instanceUuid);
  if (adopted === 'replaced') {
    logger.warn(
      { previousInstanceUuid: previous, instanceUuid: hello.instanceUuid, since: ctx.since },
      'the vCenter instance changed (it was replaced or restored): the checkpoint belongs to another instance, so its keys mean nothing here; going on from what this instance sends',
    );
    return undefined;
  }
  return adopted === 'same' ? ctx.since : undefined;
}
