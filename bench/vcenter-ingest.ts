// Figure 6, vCenter ingestion: the vCenter simulator (in the harness process) pushes a burst
// of events over its WebSocket stream; the appliance's vcenter source turns each into a
// CloudEvent and the intake stores it on EVENTS. Measured: events/s from the first to the
// last stored, from the stream's own store timestamps (first_ts, last_ts). The appliance has
// no subscriptions, so the harness holds an idle durable consumer on the source's subjects:
// EVENTS keeps events only while a consumer is interested in them.
//
// The simulator cuts a client more than 64 MiB behind (as a real server would), and the
// source stops reading past a few hundred events waiting for the bus (the rest waits in
// the socket); so the burst goes out in chunks of 5,000 whenever fewer than 20,000 are
// unstored — the source never runs dry.
//
// The notes give the CPU each process used from the first emit to the last stored (the
// harness holds the simulator, on the same cores as the appliance and nats-server).
// BENCH_PROFILE=1 runs the appliance under `node --cpu-prof` and prints its top self-time
// functions (the profile is kept in tmp/bench-profiles/).

import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startVcenterSimulator } from '../src/sim/vcenter/index.js';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { summariseCpuProfile } from './cpu-profile.js';
import { type BenchContext, type BenchResult, Cleanups, cpuSeconds, fmt, pick, repoRoot, startAppliance, until, wallMs } from './harness.js';

/** CPU seconds (user + system) a process has used so far (0 when it is gone). */
const cpuTotal = async (pid: number) => {
  const { user, system } = await cpuSeconds(pid);
  return user + system;
};

/** Read and write syscalls a process has made so far, from /proc (0 when it is gone). */
async function syscalls(pid: number): Promise<{ reads: number; writes: number }> {
  const io = await readFile(`/proc/${pid}/io`, 'utf8').catch(() => '');
  return { reads: Number(/syscr:\s+(\d+)/.exec(io)?.[1] ?? 0), writes: Number(/syscw:\s+(\d+)/.exec(io)?.[1] ?? 0) };
}

const ownCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const cleanups = new Cleanups();
  try {
    const total = pick(ctx, 100_000, 10_000);
    const profile = process.env['BENCH_PROFILE'] === '1';
    const profileDir = join(repoRoot, 'tmp', 'bench-profiles', `vcenter-ingest-${Date.now()}`);
    if (profile) await mkdir(profileDir, { recursive: true });
    const sim = await startVcenterSimulator({ rate: 0, retain: total + 1_000, seed: 11 });
    cleanups.defer(() => sim.stop());
    const app = await startAppliance(cleanups, {
      nodeFlags: profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      yamlBody: [
        'sources:',
        '  - name: vc-bench',
        '    type: vcenter',
        `    url: ${sim.url}`,
        `    username: ${sim.username}`,
        '    password: ${env:BENCH_VC_PASSWORD}',
        'subscriptions: []',
      ].join('\n'),
      env: { BENCH_VC_PASSWORD: sim.password },
    });
    const { jsm } = await app.bus();
    await jsm.consumers.add('EVENTS', { durable_name: 'bench-hold', filter_subject: 'events.vc-bench.>', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
    await until(() => sim.connections >= 1, 30_000, 'the vcenter source to connect');
    const stored = async () => (await jsm.streams.info('EVENTS')).state;

    const chunk = 5_000;
    let emitted = 0;
    const pids = { appliance: app.child.pid!, nats: await app.natsPid() };
    const cpuAt = async () => ({ harness: ownCpuSeconds(), appliance: await cpuTotal(pids.appliance), nats: await cpuTotal(pids.nats) });
    const cpu0 = await cpuAt();
    const io0 = await syscalls(pids.appliance);
    const t0 = wallMs();
    while (emitted < total) {
      const state = await stored();
      if (emitted - state.messages < 20_000) {
        const n = Math.min(chunk, total - emitted);
        await sim.emit(n);
        emitted += n;
      } else await new Promise((r) => setTimeout(r, 50)); // 20,000 unstored: seconds of work left
    }
    const state = await until(async () => {
      const s = await stored();
      return s.messages >= total ? s : undefined;
    }, 300_000, `${total} events stored`, 50);
    const emitToLast = wallMs() - t0;
    const cpu1 = await cpuAt();
    const io1 = await syscalls(pids.appliance);
    const cpuShare = (k: keyof typeof cpu0) => `${k} ${(cpu1[k] - cpu0[k]).toFixed(1)} s (${((100 * (cpu1[k] - cpu0[k]) * 1000) / emitToLast).toFixed(0)}% of a core)`;
    const firstToLast = Date.parse(state.last_ts) - Date.parse(state.first_ts);
    const rate = ((state.messages - 1) * 1000) / firstToLast;
    const notes: string[] = [];
    if (profile) {
      await app.stop(); // the profile is written when the process exits
      notes.push(`vCenter ingestion CPU profile of the appliance (${profileDir}): ${await summariseCpuProfile(profileDir, 15)}`);
    }
    return {
      rows: [{ figure: '6. vCenter ingestion (simulator → bus)', value: fmt.rate(rate), target: '≥ 10,000/s', met: rate >= 10_000 }],
      notes: [
        `vCenter ingestion: ${fmt.int(state.messages)} events stored (${fmt.mb(state.bytes)} on EVENTS), first to last stored ${(firstToLast / 1000).toFixed(2)} s; ` +
          `from the first emit to the last stored ${(emitToLast / 1000).toFixed(2)} s (${fmt.rate((total * 1000) / emitToLast)}); simulator in the harness process, batch frames of 100; ` +
          `CPU from the first emit to the last stored: ${(['appliance', 'nats', 'harness'] as const).map(cpuShare).join(', ')}; ` +
          `appliance syscalls per event: ${((io1.reads - io0.reads) / total).toFixed(2)} reads, ${((io1.writes - io0.writes) / total).toFixed(2)} writes.`,
        ...notes,
      ],
    };
  } finally {
    await cleanups.run();
  }
}
