// Figure 2, end-to-end throughput: a separate load process POSTs CloudEvents to a webhook
// source over 64 keep-alive connections (each sends the next event when the last got its
// answer); every event is routed to a warm JS function that returns at once, and acked
// (at least once: the function ran, then the router acked). Sustained events/s over the
// measured window = growth of the subscription consumer's ack floor (JetStream's own record
// of what the appliance acknowledged), read with one $JS.API consumer-info request every
// 100 ms: nothing per event is added to the path being measured, and nothing in the
// function.
//
// Sustained means in a steady state: the senders hold back while the appliance has more
// than `holdAbove` events stored and not yet acknowledged, and go on below `goBelow`. The
// intake alone outruns delivery (it answers 202 once an event is stored, and a broker is
// there to buffer bursts); unthrottled, the window would measure how fast a backlog grows
// while the HTTP intake and the delivery share one event loop, not what the appliance
// carries. (Unthrottled: BENCH_UNTHROTTLED=1.) After the load stops, the harness waits
// until the consumer has nothing pending or unacknowledged and checks that every stored
// event was acked.
//
// BENCH_PROFILE=1 runs the appliance under `node --cpu-prof` and prints its top self-time
// functions (the profile is kept in tmp/bench-profiles/); BENCH_DEBUG=1 prints the consumer's
// ack floor, pending and unacknowledged counts and the 202s every second.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { summariseCpuProfile } from './cpu-profile.js';
import {
  type BenchAppliance, type BenchContext, type BenchResult, Cleanups, cpuSeconds, descendantsOf, fmt, pick, processParents, repoRoot, sleep,
  startAppliance, startLoad, until, wallMs,
} from './harness.js';

export const benchEventType = 'com.example.bench.v0';

export const benchWebhookYaml = (subscription: string, fn: string, concurrency?: number) => `
sources:
  - { name: bench, type: webhook, path: /webhooks/bench }
subscriptions:
  - name: ${subscription}
    function: ${fn}${concurrency ? `\n    concurrency: ${concurrency}` : ''}
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
    // Experiments only (the recorded figure uses the defaults): BENCH_CONCURRENCY, BENCH_MAX_WORKERS.
    const subscriptionConcurrency = Number(process.env['BENCH_CONCURRENCY']) || undefined;
    const maxWorkers = Number(process.env['BENCH_MAX_WORKERS']) || undefined;
    const throttled = process.env['BENCH_UNTHROTTLED'] !== '1';
    const holdAbove = 2_000;
    const goBelow = 1_000;
    const profileDir = join(repoRoot, 'tmp', 'bench-profiles', `end-to-end-${Date.now()}`);
    if (profile) await mkdir(profileDir, { recursive: true });
    const app = await startAppliance(cleanups, {
      yamlBody: benchWebhookYaml('sink-all', 'sink', subscriptionConcurrency),
      ...(maxWorkers ? { functionsYaml: `maxWorkers: ${maxWorkers}` } : {}),
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
    const cpuAtStart = await cpuByProcess(app);
    let holding = false;
    let heldMs = 0;
    let maxBacklog = 0;
    let windowOpen = false;
    const flow = setInterval(() => void sample().then((s) => {
      const backlog = s.pending + s.unacked;
      if (windowOpen) maxBacklog = Math.max(maxBacklog, backlog);
      if (holding && windowOpen) heldMs += 100;
      if (!throttled) return;
      if (!holding && backlog > holdAbove) load.hold();
      else if (holding && backlog < goBelow) load.go();
      else return;
      holding = !holding;
    }, () => undefined), 100);
    cleanups.defer(() => clearInterval(flow));
    const debug = process.env['BENCH_DEBUG'] ? setInterval(() => void sample().then((s) => process.stderr.write(`e2e ${JSON.stringify({ ...s, accepted: load.progress().accepted })}\n`)), 1000) : undefined;
    cleanups.defer(() => clearInterval(debug));
    await sleep(warmupMs);
    const a = await sample();
    const accA = load.progress();
    windowOpen = true;
    await sleep(measureMs);
    const b = await sample();
    const accB = load.progress();
    windowOpen = false;
    const done = await load.done;
    clearInterval(flow);
    const c = await sample();
    const drainStart = c.at;
    const drained = await until(async () => {
      const s = await sample();
      return s.pending === 0 && s.unacked === 0 ? s : undefined;
    }, 300_000, 'the backlog to drain', 250);
    const drainMs = wallMs() - drainStart;
    const cpuAtEnd = { ...(await cpuByProcess(app)), 'load sender': done.cpuSeconds };
    const drainRate = ((drained.acked - c.acked) * 1000) / drainMs;
    const overall = (drained.acked * 1000) / (wallMs() - done.startedAt);
    const stored = (await jsm.streams.info('EVENTS')).state.last_seq;

    const rate = ((b.acked - a.acked) * 1000) / (b.at - a.at);
    const intakeRate = ((accB.accepted - accA.accepted) * 1000) / (accB.at - accA.at);
    const ceiling = ctx.busCeiling;
    const notes = [
      `End-to-end: ${fmt.int(b.acked - a.acked)} events acked in ${((b.at - a.at) / 1000).toFixed(1)} s after a ${warmupMs / 1000} s warm-up; ` +
        `202s during the window ${fmt.rate(intakeRate)} (${concurrency} keep-alive senders in a separate process, ` +
        `${throttled ? `holding back above ${fmt.int(holdAbove)} events stored and not yet acked, going on below ${fmt.int(goBelow)}: held ${((100 * heldMs) / measureMs).toFixed(0)}% of the window` : 'never holding back (BENCH_UNTHROTTLED)'}; ` +
        `largest backlog in the window ${fmt.int(maxBacklog)}); ` +
        `backlog at the window's end ${fmt.int(b.pending + b.unacked)}; after the load ${fmt.int(done.accepted)} accepted, ${fmt.int(stored)} stored, ` +
        `all acked after ${(drainMs / 1000).toFixed(1)} s of drain (ack floor ${fmt.int(drained.acked)} = last stored ${fmt.int(stored)}: ${drained.acked === stored ? 'yes' : 'NO'}); ` +
        `acks/s while draining with no intake ${fmt.rate(drainRate)}; all events over the whole run (first POST to last ack) ${fmt.rate(overall)}; ` +
        `refused: ${JSON.stringify(done.refused)}. Settings: subscription concurrency ${subscriptionConcurrency ?? '16 (default)'}, functions.maxWorkers ${maxWorkers ?? '4 (default)'}, an invocation record per invocation.`,
      `End-to-end CPU per event over the whole run (µs of CPU per acked event, user + system): ${cpuPerEvent(cpuAtStart, cpuAtEnd, drained.acked)}.`,
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

type Cpu = { readonly user: number; readonly system: number };
type CpuByProcess = Record<'appliance' | 'nats-server' | 'function workers' | 'load sender', Cpu>;

/** CPU seconds used so far by each process of the appliance (workers: everything below it but its nats-server). */
async function cpuByProcess(app: BenchAppliance): Promise<CpuByProcess> {
  const appliancePid = app.child.pid!;
  const natsPid = await app.natsPid();
  const parents = await processParents();
  const natsTree = new Set([natsPid, ...descendantsOf(natsPid, parents)]);
  const workers = descendantsOf(appliancePid, parents).filter((p) => !natsTree.has(p));
  const sum = (cpus: Cpu[]) => cpus.reduce((a, b) => ({ user: a.user + b.user, system: a.system + b.system }), { user: 0, system: 0 });
  return {
    appliance: await cpuSeconds(appliancePid),
    'nats-server': await cpuSeconds(natsPid),
    'function workers': sum(await Promise.all(workers.map(cpuSeconds))),
    'load sender': { user: 0, system: 0 }, // from its own report at the end
  };
}

function cpuPerEvent(start: CpuByProcess, end: CpuByProcess, events: number): string {
  const us = (seconds: number) => (seconds * 1e6) / events;
  const parts = (Object.keys(end) as (keyof CpuByProcess)[]).map((k) => {
    const user = us(end[k].user - start[k].user);
    const system = us(end[k].system - start[k].system);
    return { k, user, system, total: user + system };
  });
  const total = parts.reduce((a, p) => a + p.total, 0);
  return `${parts.map((p) => `${p.k} ${p.total.toFixed(0)} (user ${p.user.toFixed(0)}, system ${p.system.toFixed(0)})`).join(', ')}; ` +
    `total ${total.toFixed(0)} µs: ${fmt.rate(2e6 / total)} events/s if the 2 cores did nothing else`;
}
