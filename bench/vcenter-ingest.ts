// Figure 6, vCenter ingestion: the vCenter simulator (in the harness process) pushes a burst
// of events over its WebSocket stream; the appliance's vcenter source turns each into a
// CloudEvent and the intake stores it on EVENTS. Measured: events/s from the first to the
// last stored, from the stream's own store timestamps (first_ts, last_ts). The appliance has
// no subscriptions, so the harness holds an idle durable consumer on the source's subjects:
// EVENTS keeps events only while a consumer is interested in them.
//
// The simulator cuts a client more than 64 MiB behind (as a real server would), and the
// source stops reading past 1,024 events waiting for the bus; so the burst goes out in
// chunks of 5,000 whenever fewer than 20,000 are unstored — the source never runs dry.

import { startVcenterSimulator } from '../src/sim/vcenter/index.js';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { type BenchContext, type BenchResult, Cleanups, fmt, pick, startAppliance, until, wallMs } from './harness.js';

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const cleanups = new Cleanups();
  try {
    const total = pick(ctx, 100_000, 10_000);
    const sim = await startVcenterSimulator({ rate: 0, retain: total + 1_000, seed: 11 });
    cleanups.defer(() => sim.stop());
    const app = await startAppliance(cleanups, {
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
    const firstToLast = Date.parse(state.last_ts) - Date.parse(state.first_ts);
    const rate = ((state.messages - 1) * 1000) / firstToLast;
    return {
      rows: [{ figure: '6. vCenter ingestion (simulator → bus)', value: fmt.rate(rate), target: '≥ 10,000/s', met: rate >= 10_000 }],
      notes: [
        `vCenter ingestion: ${fmt.int(state.messages)} events stored (${fmt.mb(state.bytes)} on EVENTS), first to last stored ${(firstToLast / 1000).toFixed(2)} s; ` +
          `from the first emit to the last stored ${(emitToLast / 1000).toFixed(2)} s (${fmt.rate((total * 1000) / emitToLast)}); simulator in the harness process, batch frames of 100.`,
      ],
    };
  } finally {
    await cleanups.run();
  }
}
