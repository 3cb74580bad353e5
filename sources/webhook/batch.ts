// Batched content mode (http-protocol-binding.md 3.3; json-format.md 4, the JSON Batch
// Format): the body is a JSON array of structured-mode events, and the batch gets one answer.
// All of it is stored or the sender is told to send it again:
//
// - Every event is validated before any is dispatched, so one invalid event refuses the
//   batch with 400, naming each bad event by its index, and nothing is published.
// - Then all are dispatched. JetStream (nats-server 2.9) has no atomic multi-message publish,
//   so a bus failure midway leaves some stored and others not. The batch then gets 503 and
//   the sender retries the whole of it; the events already stored come back with the same
//   (source, id), hence the same Nats-Msg-Id, and the bus drops them as duplicates (within
//   bus.duplicateWindow) — so a retried batch ends up stored exactly once.
// - 202 only once every event is stored, with how many and how many were duplicates.
//
// An empty array is a valid batch (json-format.md 4.3) and is answered 202 with count 0.

import type { ServerResponse } from 'node:http';
import type { Dispatch, StoredEvent } from '../source.js';
import { EventTooLargeError, InvalidEventError } from '../../src/errors.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import { parseMediaType } from '../../src/events/media-type.js';
import { validateCloudEvent } from '../../src/events/validate.js';
import { isJsonObject, isUtf8Charset, parseJson, UnsupportedMediaTypeError } from './parse-request.js';
import { sendAccepted, sendJson, type ReceiveOutcome } from './respond.js';

/** http-protocol-binding.md 3: a Content-Type with this prefix selects batched mode. */
export function isBatch(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().startsWith('application/cloudevents-batch') ?? false;
}

export interface BatchProblem {
  /** Position of the event in the batch array, from 0. */
  readonly index: number;
  readonly message: string;
}

/**
 * Reads, validates and stores one batch and answers it, except for failures of the request
 * as a whole (not JSON, not an array, too many events), which it throws before dispatching
 * anything. `answerFailure` answers a dispatch failure and names its outcome. Returns the
 * outcome of each event, to be counted.
 */
export async function receiveBatch(
  contentType: string, body: Buffer, maxEvents: number, dispatch: Dispatch, res: ServerResponse,
  answerFailure: (err: unknown) => ReceiveOutcome,
): Promise<ReceiveOutcome[]> {
  const items = parseBatch(contentType, body, maxEvents);
  const events: CloudEventRecord[] = [];
  const problems: BatchProblem[] = [];
  items.forEach((item, index) => {
    try {
      if (!isJsonObject(item)) throw new InvalidEventError(`an event in a batch is a JSON object, got ${describe(item)}`);
      events.push(validateCloudEvent(item));
    } catch (err) {
      if (!(err instanceof InvalidEventError)) throw err;
      problems.push({ index, message: err.message });
    }
  });
  if (problems.length > 0) {
    const listed = problems.map((p) => `#${p.index} (${p.message})`).join(', ');
    const err = new InvalidEventError(`${problems.length} of ${items.length} events in the batch are invalid, so none was stored: ${listed}`);
    sendJson(res, 400, { error: err.code, message: err.message, problems });
    return items.map(() => 'invalid');
  }
  // Dispatched together so the publishes pipeline; answered only once all have settled, so
  // a 503 never races stores still in flight.
  const results = await Promise.allSettled(events.map((event) => dispatch(event)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const failure = failed ? answerFailure(failed.reason) : undefined;
  const outcomes = results.map((r) => (r.status === 'fulfilled' ? storedOutcome(r.value) : failure!));
  if (!failure) sendAccepted(res, { count: events.length, duplicates: outcomes.filter((o) => o === 'duplicate').length });
  return outcomes;
}

function parseBatch(contentType: string, body: Buffer, maxEvents: number): unknown[] {
  const media = parseMediaType(contentType);
  if (media?.type !== 'application' || media.subtype !== 'cloudevents-batch+json' || !isUtf8Charset(media)) {
    throw new UnsupportedMediaTypeError(`batch format ${JSON.stringify(contentType)} is not supported; send application/cloudevents-batch+json`);
  }
  const batch = parseJson(body, contentType);
  if (!Array.isArray(batch)) throw new InvalidEventError(`a batch is a JSON array of events, got ${describe(batch)}`);
  if (batch.length > maxEvents) {
    throw new EventTooLargeError(`the batch holds ${batch.length} events, more than this source's maxBatchEvents of ${maxEvents}; split it or raise maxBatchEvents`);
  }
  return batch;
}

function storedOutcome(stored: StoredEvent): ReceiveOutcome {
  return stored.duplicate ? 'duplicate' : 'accepted';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
