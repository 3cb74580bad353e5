// What a connection's end means and what to do next (contract section 2, close codes):
// every end is followed by a reconnect with `since` after a backoff; what differs is
// whether to log in again first, and what the operator is told.

import type { StreamOutcome } from './event-stream.js';
import type { VcenterAuth } from './schema.js';

export interface NextStep {
  /** Drop the session and log in again before reconnecting (session auth). */
  readonly relogin: boolean;
  /** Why the source is not running, in the operator's words (the degraded detail). */
  readonly detail: string;
  /** error: the server refused what this source sent (4400); a person should look. */
  readonly level: 'warn' | 'error';
}

export function afterConnection(outcome: StreamOutcome, auth: VcenterAuth, since: number | undefined): NextStep {
  const warn = (detail: string, relogin = false): NextStep => ({ relogin, detail, level: 'warn' });
  if (outcome.closedBecause === 'bus') return warn(`event bus unavailable, reading from the vCenter paused: ${outcome.problem ?? ''}`);
  if (outcome.closedBecause === 'protocol') return warn(`the vCenter broke the stream contract: ${outcome.problem ?? ''}`);
  const { end } = outcome;
  switch (end.kind) {
    case 'failed':
      return warn(`cannot connect to the vCenter event stream: ${end.problem}`);
    case 'refused':
      if (end.status === 401 && auth === 'session') return warn('the vCenter refused the session (401 on the stream); logging in again', true);
      if (end.status === 401) return warn('credentials refused: the vCenter answered 401 to the stream with basic authentication; check username and password');
      return warn(`the vCenter answered HTTP ${end.status} instead of opening the event stream`);
    case 'closed':
      return afterClose(end.code, end.reason, auth, since);
  }
}

function afterClose(code: number, reason: string, auth: VcenterAuth, since: number | undefined): NextStep {
  const why = reason === '' ? '' : `: ${reason}`;
  switch (code) {
    case 1000:
      return { relogin: false, detail: `the vCenter closed the event stream (1000${why}); reconnecting`, level: 'warn' };
    case 1001:
      return { relogin: false, detail: `the vCenter is going away (1001${why}); reconnecting`, level: 'warn' };
    case 4001:
      return { relogin: auth === 'session', detail: `the vCenter session expired (4001${why}); logging in again`, level: 'warn' };
    case 4400:
      return {
        relogin: false,
        detail: `the vCenter refused the stream request as bad (4400${why}) with since=${since ?? '(none)'}; retrying with backoff`,
        level: 'error',
      };
    default:
      return { relogin: false, detail: `the vCenter event stream dropped (${code}${why}); reconnecting`, level: 'warn' };
  }
}
