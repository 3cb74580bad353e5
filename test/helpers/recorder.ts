// What test functions report to: an HTTP server in the test process (outbound network is
// allowed to functions), so that a test sees which function ran on which event, when.

import { createServer, type Server } from 'node:http';

export interface Invocation {
  readonly fn: string;
  readonly id: string;
  readonly type: string;
  readonly attempt: number;
  readonly at: number;
  readonly [key: string]: unknown;
}

export interface Recorder {
  readonly url: string;
  readonly invocations: Invocation[];
  of(fn: string): Invocation[];
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  const invocations: Invocation[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      invocations.push({ ...(JSON.parse(body) as Invocation), at: Date.now() });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    invocations,
    of: (fn) => invocations.filter((i) => i.fn === fn),
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/**
 * Source of a function that reports each invocation to the recorder, then does `then`
 * (JavaScript statements with `event` and `context` in scope, e.g. a throw).
 */
export function reportingFunction(recorderUrl: string, name: string, then = ''): string {
  return `export default async function (event, context) {
  await fetch(${JSON.stringify(recorderUrl)}, {
    method: 'POST',
    body: JSON.stringify({ fn: ${JSON.stringify(name)}, id: event.id, type: event.type, attempt: context.attempt, data: event.data, env: Object.keys(process.env) }),
  });
  ${then}
  return { ok: true };
}
`;
}
