// Figure 3, latency at a steady 1,000 events/s: from the HTTP 202 (the wall-clock time the
// load process received the answer's head) to the start of the function (the first thing
// the function does is read the clock), per event, matched by event id. Both clocks are
// `performance.timeOrigin + performance.now()` on this one machine (sub-millisecond, same
// CLOCK_REALTIME). The function hands its timestamp to the harness in one UDP datagram (to
// 127.0.0.1, after taking it), so the appliance carries nothing extra. The load is open
// loop (events leave on schedule whatever the answers do); samples of the warm-up (the
// first seconds, while the function's workers start and the backlog they cause is caught
// up) are reported apart. A negative latency is possible (the router may start the function before the
// 202 reaches the sender) and is kept as measured.

import { createSocket } from 'node:dgram';
import { benchEventType, benchWebhookYaml } from './end-to-end.js';
import {
  type BenchContext, type BenchResult, Cleanups, fmt, percentile, pick, startAppliance, startLoad, until,
} from './harness.js';

const stampFunction = (port: number) => `// Reports when it started, first thing, to the benchmark harness.
import { createSocket } from 'node:dgram';
const socket = createSocket('udp4');
socket.unref();
export default async function stamp(event) {
  const startedAt = performance.timeOrigin + performance.now();
  socket.send(event.id + ' ' + startedAt, ${port}, '127.0.0.1');
}
`;

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const cleanups = new Cleanups();
  try {
    const rate = 1_000;
    const warmupMs = pick(ctx, 5_000, 4_000);
    const measureMs = pick(ctx, 20_000, 4_000);
    const starts = new Map<string, number>();
    const socket = createSocket('udp4');
    socket.on('message', (msg) => {
      const [id, at] = msg.toString().split(' ');
      if (id && at) starts.set(id, Number(at));
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    cleanups.defer(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    const app = await startAppliance(cleanups, {
      yamlBody: benchWebhookYaml('stamp-all', 'stamp'),
      functions: { 'stamp.mjs': stampFunction(socket.address().port) },
    });

    const load = startLoad(cleanups, {
      mode: 'rate', url: `${app.baseUrl}/webhooks/bench`, type: benchEventType, idPrefix: 'lat', rate, durationMs: warmupMs + measureMs,
    });
    const done = await load.done;
    const accepts = done.accepts ?? [];
    await until(() => accepts.every(([id]) => starts.has(id)), 10_000, 'every accepted event to reach the function').catch(() => undefined);
    const measuredFrom = done.startedAt + warmupMs;
    const latencies: number[] = [];
    const fromPost: number[] = [];
    const warmup: number[] = [];
    let missing = 0;
    for (const [id, sentAt, at202] of accepts) {
      const started = starts.get(id);
      if (at202 < measuredFrom) {
        if (started !== undefined) warmup.push(started - at202);
      } else if (started === undefined) missing += 1;
      else {
        latencies.push(started - at202);
        fromPost.push(started - sentAt);
      }
    }
    for (const list of [latencies, fromPost, warmup]) list.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const achieved = (accepts.length * 1000) / (done.endedAt - done.startedAt);
    return {
      rows: [
        { figure: '3. Latency 202 → function start, p50 @1k/s', value: fmt.ms(p50), target: '≤ 2 ms', met: p50 <= 2 },
        { figure: '3. Latency 202 → function start, p99 @1k/s', value: fmt.ms(p99), target: '≤ 10 ms', met: p99 <= 10 },
      ],
      notes: [
        `Latency: ${fmt.int(latencies.length)} events measured after a ${warmupMs / 1000} s warm-up at ${fmt.rate(achieved)} (202s); ` +
          `p90 ${fmt.ms(percentile(latencies, 90))}, p99.9 ${fmt.ms(percentile(latencies, 99.9))}, max ${fmt.ms(latencies.at(-1) ?? NaN)}, min ${fmt.ms(latencies[0] ?? NaN)} ` +
          `(${latencies.filter((l) => l < 0).length} negative: function started before the sender had its 202); ` +
          `POST sent → function start p50 ${fmt.ms(percentile(fromPost, 50))}, p99 ${fmt.ms(percentile(fromPost, 99))}; ` +
          `during the warm-up (first workers starting, the backlog they leave caught up) p50 ${fmt.ms(percentile(warmup, 50))}, p99 ${fmt.ms(percentile(warmup, 99))}; ` +
          `${missing} accepted events never reported a start; refused: ${JSON.stringify(done.refused)}.`,
      ],
    };
  } finally {
    await cleanups.run();
  }
}
