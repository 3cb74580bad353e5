// An HTTP endpoint that example functions post to — a chat incoming webhook, a log
// collector — recording each request and answering with a status the test sets.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

export interface FakeWebhookReceiver {
  readonly url: string;
  readonly received: ReceivedPost[];
  /** Status of the next answers (default 200), and its body. */
  answer: { status: number; body: string };
  /** Hold each request this long before answering (a hung endpoint). */
  delayMs: number;
  close(): Promise<void>;
}

/** `path`: the secret-looking part of a chat webhook URL, to check it never reaches a log. */
export async function startFakeWebhookReceiver(path = '/hooks/T0K3N'): Promise<FakeWebhookReceiver> {
  const receiver = { received: [] as ReceivedPost[], answer: { status: 200, body: 'ok' }, delayMs: 0 } as FakeWebhookReceiver;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // kept as text
      }
      receiver.received.push({ path: req.url ?? '/', headers: req.headers, body });
      const { status, body: answer } = receiver.answer;
      setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain' }).end(answer), receiver.delayMs).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}
