// Reads a request body under a size limit. A body is refused as early as possible: by its
// Content-Length before a byte is read, or — chunked bodies announce no length — as soon as
// the running count passes the limit, so a sender cannot make the appliance buffer an
// unbounded stream.

import type { IncomingMessage } from 'node:http';
import { EventTooLargeError } from '../../src/errors.js';

/** The sender went away before the body was complete: there is nobody to answer. */
export class RequestAbortedError extends Error {
  constructor() {
    super('the request was aborted before its body was complete');
    this.name = 'RequestAbortedError';
  }
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      finish();
      // Keep the socket flowing and drop the rest, so the 413 can be read by a sender still
      // writing; the response closes the connection (respond.ts).
      req.resume();
      reject(tooLarge(limit));
    };
    const onEnd = (): void => {
      finish();
      resolve(Buffer.concat(chunks, size));
    };
    const onClose = (): void => {
      finish();
      reject(new RequestAbortedError());
    };
    const onError = (err: Error): void => {
      finish();
      reject(err);
    };
    const finish = (): void => {
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onError);
    };
    req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onError);
  });
}

function tooLarge(limit: number): EventTooLargeError {
  return new EventTooLargeError(
    `the request body is larger than this source's maxBodySize of ${limit} bytes; send a smaller event or raise maxBodySize`,
  );
}
