// The load process: POSTs CloudEvents (HTTP binary mode) to a webhook source from a process
// of its own, over keep-alive connections, and reports to its parent over IPC. Modes:
//   throughput — `concurrency` senders, each posting the next event as soon as the last got
//                its answer, for `durationMs`; progress every second.
//   rate       — open loop at `rate` events/s (not slowed by slow answers), recording the
//                wall-clock time each 202 arrived, by event id.
//   count      — `total` events accepted (a refused one is sent again), `concurrency` senders.
// Started by bench/*.ts with fork(); the config is argv[2] as JSON.

import { Agent, request } from 'node:http';

export interface LoadConfig {
  readonly mode: 'throughput' | 'rate' | 'count';
  readonly url: string;
  readonly type: string;
  readonly idPrefix: string;
  readonly concurrency?: number;
  readonly durationMs?: number;
  readonly rate?: number;
  readonly total?: number;
}

export type LoadMessage =
  | { readonly kind: 'progress'; readonly accepted: number; readonly at: number }
  | {
      readonly kind: 'done';
      readonly accepted: number;
      /** HTTP status (or 'error') → count of answers other than 202. */
      readonly refused: Record<string, number>;
      readonly startedAt: number;
      readonly endedAt: number;
      /** CPU seconds the load process used. */
      readonly cpuSeconds: { readonly user: number; readonly system: number };
      /** rate mode: [event id, wall-clock ms the POST was sent, wall-clock ms the 202 arrived]. */
      readonly accepts?: [string, number, number][];
    };

const wallMs = () => performance.timeOrigin + performance.now();
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return { user: user / 1e6, system: system / 1e6 };
};
const config = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;
const target = new URL(config.url);
const agent = new Agent({ keepAlive: true, maxSockets: config.concurrency ?? 256 });
const data = Buffer.from(JSON.stringify({ Vm: { Name: 'web-01' }, UserName: 'alice', FullFormattedMessage: 'Virtual machine web-01 is powered on' }));
const refused: Record<string, number> = {};
let accepted = 0;
let stopping = false;
/** While the harness says 'hold' (the appliance's backlog is high), senders wait for 'go'. */
let held: { readonly released: Promise<void>; release(): void } | undefined;
process.on('message', (m) => {
  if (m === 'stop') stopping = true;
  if (m === 'stop' || m === 'go') {
    held?.release();
    held = undefined;
  } else if (m === 'hold' && !held) {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    held = { released, release };
  }
});

/** POST one event; resolves to the wall-clock time of a 202, or undefined when refused. */
function post(id: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({
      host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: {
        'content-type': 'application/json',
        'content-length': data.length,
        'ce-specversion': '1.0',
        'ce-id': id,
        'ce-source': '/bench/load',
        'ce-type': config.type,
      },
    }, (res) => {
      const at = wallMs();
      res.resume();
      res.once('end', () => {
        if (res.statusCode === 202) {
          accepted += 1;
          resolve(at);
        } else {
          refused[String(res.statusCode)] = (refused[String(res.statusCode)] ?? 0) + 1;
          resolve(undefined);
        }
      });
    });
    req.once('error', () => {
      refused['error'] = (refused['error'] ?? 0) + 1;
      resolve(undefined);
    });
    req.end(data);
  });
}

async function closedLoop(concurrency: number, more: () => string | undefined): Promise<void> {
  const sender = async () => {
    for (let id = more(); id !== undefined; id = more()) {
      if (held) await held.released;
      if ((await post(id)) === undefined && config.mode === 'count') retry.push(id);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
}
const retry: string[] = [];

async function openLoop(rate: number, durationMs: number, accepts: [string, number, number][]): Promise<void> {
  const started = performance.now();
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  while (!stopping) {
    const elapsed = performance.now() - started;
    if (elapsed >= durationMs) break;
    const due = Math.floor((elapsed * rate) / 1000) - sent;
    for (let i = 0; i < due; i++) {
      const id = `${config.idPrefix}-${sent++}`;
      const sentAt = wallMs();
      const p = post(id).then((at) => void (at !== undefined && accepts.push([id, sentAt, at])));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
}

async function main(): Promise<void> {
  const startedAt = wallMs();
  const progress = setInterval(() => process.send?.({ kind: 'progress', accepted, at: wallMs() } satisfies LoadMessage), 1000);
  let accepts: [string, number, number][] | undefined;
  let n = 0;
  if (config.mode === 'throughput') {
    const end = performance.now() + (config.durationMs ?? 10_000);
    await closedLoop(config.concurrency ?? 64, () => (stopping || performance.now() >= end ? undefined : `${config.idPrefix}-${n++}`));
  } else if (config.mode === 'count') {
    const total = config.total ?? 1000;
    await closedLoop(config.concurrency ?? 64, () => {
      if (stopping || accepted >= total) return undefined;
      return retry.pop() ?? (n < total ? `${config.idPrefix}-${n++}` : undefined);
    });
    // Refused ones left when the senders ran dry: send them again until all are accepted.
    while (!stopping && retry.length > 0) await closedLoop(Math.min(retry.length, config.concurrency ?? 64), () => retry.pop());
  } else {
    accepts = [];
    await openLoop(config.rate ?? 1000, config.durationMs ?? 10_000, accepts);
  }
  clearInterval(progress);
  const done: LoadMessage = { kind: 'done', accepted, refused, startedAt, endedAt: wallMs(), cpuSeconds: cpuNow(), ...(accepts ? { accepts } : {}) };
  process.send!(done, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`load-sender: ${String(err)}\n`);
  process.exit(1);
});
