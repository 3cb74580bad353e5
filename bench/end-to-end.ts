// Figure 2, end-to-end throughput: a separate load process POSTs CloudEvents to a webhook
// source over 64 keep-alive connections (each sends the next event when the last got its
// answer); every event is routed to a warm JS function that returns at once, and acked
// (at least once: the function ran, then the router acked). Sustained events/s over the
// measured window = growth of the subscription consumer's ack floor (JetStream's own record
// of what the appliance acknowledged), read once a second with one $JS.API consumer-info
// request: nothing per event is added to the path being measured, and nothing in the
// function. After the load stops, the harness waits until the consumer has nothing pending
// or unacknowledged and checks that every stored event was acked.
//
// BENCH_PROFILE=1 runs the appliance under `node --cpu-prof` and prints its top self-time
// functions (the profile is kept in tmp/bench-profiles/); BENCH_DEBUG=1 prints the consumer's
// ack floor, pending and unacknowledged counts and the 202s every second.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { summariseCpuProfile } from './cpu-profile.js';
import {
  type BenchContext, type BenchResult, Cleanups, fmt, pick, repoRoot, sleep, startAppliance, startLoad, until, wallMs,
} from './harness.js';

export const benchEventType = 'com.example.bench.v0';

export const benchWebhookYaml = (subscription: string, fn: string) => `
sources:
  - { name: bench, type: webhook, path: /webhooks/bench }
subscriptions:
  - name: ${subscription}
    function: ${fn}
    filters:
      - exact: { type: ${benchEventType} }
`;

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const cleanups = new Cleanups();
  try {
    const warmupMs = pick(ctx, 5_000, 2_000);
    const measureMs = pick(ctx, 30_000, 5_000);
    const concurrency = 64;
    const profile = process.env['BENCH_PROFILE'] === '1';
    const profileDir = join(repoRoot, 'tmp', 'bench-profiles', `end-to-end-${Date.now()}`);
    if (profile) await mkdir(profileDir, { recursive: true });
    const app = await startAppliance(cleanups, {
      yamlBody: benchWebhookYaml('sink-all', 'sink'),
      functions: { 'sink.mjs': 'export default async function sink() {}\n' },
      nodeFlags: profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    });
    const { jsm } = await app.bus();
    const sample = async () => {
      const info = await jsm.consumers.info('EVENTS', 'sb-sink-all');
      return { at: wallMs(), acked: info.ack_floor.stream_seq, pending: info.num_pending, unacked: info.num_ack_pending };
    };

    const load = startLoad(cleanups, {
      mode: 'throughput', url: `${app.baseUrl}/webhooks/bench`, type: benchEventType, idPrefix: 'e2e',
      concurrency, durationMs: warmupMs + measureMs + 1_000,
    });
    const debug = process.env['BENCH_DEBUG'] ? setInterval(() => void sample().then((s) => process.stderr.write(`e2e ${JSON.stringify({ ...s, accepted: load.progress().accepted })}\n`)), 1000) : undefined;
    cleanups.defer(() => clearInterval(debug));
    await sleep(warmupMs);
    const a = await sample();
    const accA = load.progress();
    await sleep(measureMs);
    const b = await sample();
    const accB = load.progress();
    const done = await load.done;
    const c = await sample();
    const drainStart = c.at;
    const drained = await until(async () => {
      const s = await sample();
      return s.pending === 0 && s.unacked === 0 ? s : undefined;
    }, 300_000, 'the backlog to drain', 250);
    const drainMs = wallMs() - drainStart;
    const drainRate = ((drained.acked - c.acked) * 1000) / drainMs;
    const overall = (drained.acked * 1000) / (wallMs() - done.startedAt);
    const stored = (await jsm.streams.info('EVENTS')).state.last_seq;

    const rate = ((b.acked - a.acked) * 1000) / (b.at - a.at);
    const intakeRate = ((accB.accepted - accA.accepted) * 1000) / (accB.at - accA.at);
    const ceiling = ctx.busCeiling;
    const notes = [
      `End-to-end: ${fmt.int(b.acked - a.acked)} events acked in ${((b.at - a.at) / 1000).toFixed(1)} s after a ${warmupMs / 1000} s warm-up; ` +
        `202s during the window ${fmt.rate(intakeRate)} (${concurrency} keep-alive senders in a separate process); ` +
        `backlog at the window's end ${fmt.int(b.pending + b.unacked)}; after the load ${fmt.int(done.accepted)} accepted, ${fmt.int(stored)} stored, ` +
        `all acked after ${(drainMs / 1000).toFixed(1)} s of drain (ack floor ${fmt.int(drained.acked)} = last stored ${fmt.int(stored)}: ${drained.acked === stored ? 'yes' : 'NO'}); ` +
        `acks/s while draining with no intake ${fmt.rate(drainRate)}; all events over the whole run (first POST to last ack) ${fmt.rate(overall)}; ` +
        `refused: ${JSON.stringify(done.refused)}. Default settings: subscription concurrency 16, functions.maxWorkers 4, an invocation record per invocation.`,
    ];
    if (profile) {
      await app.stop(); // the profile is written when the process exits
      notes.push(`End-to-end CPU profile of the appliance (${profileDir}): ${await summariseCpuProfile(profileDir, 15)}`);
    }
    return {
      rows: [{
        figure: '2. End-to-end throughput (webhook → JS fn, acked)',
        value: `${fmt.rate(rate)}${ceiling ? ` (${(rate / ceiling).toFixed(2)} × ceiling)` : ''}`,
        target: ceiling ? `≥ 0.5 × ceiling = ${fmt.rate(ceiling / 2)}` : '≥ 0.5 × bus ceiling (not measured)',
        met: ceiling ? rate >= ceiling / 2 : false,
      }],
      notes,
    };
  } finally {
    await cleanups.run();
  }
}
