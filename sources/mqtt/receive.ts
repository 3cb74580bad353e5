// One message from arrival to the decision the broker hears: convert, dispatch, and then
//
//   stored (or a duplicate)      → acknowledge (PUBACK / PUBREC, reason 0).
//   never a valid event           → acknowledge with a refusal reason code (MQTT 5 0x99 Payload
//                                   format invalid); it would fail the same way every time,
//                                   so holding it would block the topic forever. It is logged
//                                   and counted, never dropped silently.
//   the bus cannot store it now   → hold: no acknowledgement; the connection drops and the
//                                   broker resends it on the next one (MQTT 3.1.1 4.4,
//                                   MQTT 5 4.4).
//
//   on a topic no configured filter matches → acknowledge (0x10 No matching subscribers) and
//                                   drop: a subscription the config no longer names, kept
//                                   in the broker's persistent session (topic-filter.ts).
//
// The acknowledgement is sent only after `dispatch` resolved, i.e. after JetStream stored
// the event (sources/source.ts, DESIGN.md "The event path").

import type { Logger } from 'pino';
import type { Dispatch, SourceDeps } from '../source.js';
import { BusUnavailableError, EventTooLargeError, InvalidEventError, MalformedEventError } from '../../src/errors.js';
import { messageToCandidate, type MqttMessage, type WrapOptions } from './to-cloudevent.js';
import { matchesAny } from './topic-filter.js';

/** MQTT 5 reason codes (2.4) a PUBACK or PUBREC may carry. */
export const reasonCodes = Object.freeze({
  success: 0x00,
  noMatchingSubscribers: 0x10,
  implementationSpecificError: 0x83,
  payloadFormatInvalid: 0x99,
});

export type Receipt =
  | { readonly ack: true; readonly reasonCode: number }
  | { readonly ack: false; readonly error: Error };

export type Receive = (message: MqttMessage) => Promise<Receipt>;

export function createReceive(
  topics: readonly string[],
  wrap: WrapOptions,
  dispatch: Dispatch,
  deps: Pick<SourceDeps, 'countReceived' | 'logger'>,
): Receive {
  let warnedStale = false;
  return async (message) => {
    if (!matchesAny(topics, message.topic)) {
      if (!warnedStale) {
        warnedStale = true;
        deps.logger.warn(
          { topic: message.topic, topics },
          'message on a topic the config does not subscribe to: the broker kept an older subscription in this client id\'s session. Such messages are acknowledged and dropped; to end that subscription, connect once with cleanSession: true',
        );
      }
      deps.countReceived('unsupported');
      return { ack: true, reasonCode: reasonCodes.noMatchingSubscribers };
    }
    let outcome: string;
    let receipt: Receipt;
    try {
      const stored = await dispatch(messageToCandidate(message, wrap));
      outcome = stored.duplicate ? 'duplicate' : 'accepted';
      receipt = { ack: true, reasonCode: reasonCodes.success };
    } catch (err) {
      [outcome, receipt] = refusal(err, message, deps.logger);
    }
    deps.countReceived(outcome);
    return receipt;
  };
}

function refusal(err: unknown, message: MqttMessage, logger: Logger): [string, Receipt] {
  const log = { topic: message.topic, bytes: message.payload.length };
  if (err instanceof MalformedEventError || err instanceof InvalidEventError) {
    logger.warn({ ...log, err }, 'message refused: it is not a valid event; acknowledged so the broker does not resend it');
    return [err instanceof MalformedEventError ? 'malformed' : 'invalid', { ack: true, reasonCode: reasonCodes.payloadFormatInvalid }];
  }
  if (err instanceof EventTooLargeError) {
    logger.warn({ ...log, err }, 'message refused: it is larger than the bus accepts; acknowledged so the broker does not resend it');
    return ['too_large', { ack: true, reasonCode: reasonCodes.implementationSpecificError }];
  }
  // The bus is unavailable — or something unforeseen: hold the message rather than lose it.
  // An outage is not logged here: the source's state says it once for all its messages.
  if (err instanceof BusUnavailableError) return ['unavailable', { ack: false, error: err }];
  const error = err instanceof Error ? err : new Error(String(err));
  logger.error({ ...log, err: error }, 'message could not be published; it stays unacknowledged at the broker and is received again after a reconnect');
  return ['error', { ack: false, error }];
}
