// The mqtt source: subscribes to topics on an MQTT 3.1.1 or 5 broker and publishes each
// message as a CloudEvent (to-cloudevent.ts), acknowledging it to the broker only once the
// bus stored it (receive.ts, connection.ts). A broker that is down or refuses us is this
// source's degraded state and its own reconnect loop (source-loop.ts), never a failed start;
// only an unreadable TLS file fails it.
//
// Delivery is at-least-once: a message the broker resends (after a reconnect, before its
// acknowledgement arrived) becomes a second event with a new id — MQTT carries no identity
// that survives redelivery.

import type { Dispatch, Source, SourceDeps, SourceType } from '../source.js';
import { SourceLifecycle } from '../source-state.js';
import { createReceive } from './receive.js';
import { mqttSchema, validateMqttConfig, type MqttConfig } from './schema.js';
import { clientOptions, readTls, resolveSettings, type TlsMaterial } from './settings.js';
import { MqttSourceLoop, mqttTuning, type MqttTuning } from './source-loop.js';

export type { MqttConfig } from './schema.js';
export { messageToCandidate, type MqttMessage } from './to-cloudevent.js';
export { mqttTuning, type MqttTuning } from './source-loop.js';

export const mqttSource: SourceType<MqttConfig> = {
  schema: mqttSchema,
  validate: validateMqttConfig,
  create: (config, deps) => createMqttSource(config, deps),
};

export interface MqttSource extends Source {
  /** Resolves once the source stopped after its signal aborted (the message in hand acknowledged). */
  readonly stopped: Promise<void>;
}

export function createMqttSource(config: MqttConfig, deps: SourceDeps, tuning: Partial<MqttTuning> = {}): MqttSource {
  const settings = resolveSettings(config);
  const t: MqttTuning = Object.freeze({ ...mqttTuning(), ...tuning });
  const life = new SourceLifecycle(deps.logger);
  const state = life.state;
  return {
    name: config.name,
    type: 'mqtt',
    stopped: life.stopped,
    health: () => state.health(),
    async start(dispatch: Dispatch, signal: AbortSignal): Promise<void> {
      if (life.abortedBeforeStart(signal)) return;
      let tls: TlsMaterial | undefined;
      try {
        tls = await readTls(settings.tls);
      } catch (err) {
        state.set('degraded', (err as Error).message);
        life.finish();
        throw err;
      }
      if (settings.tls?.insecure) {
        deps.logger.warn({ url: settings.url }, 'tls.insecure: the broker certificate is not verified; anyone on the path can read the credentials and messages. Prefer tls.caFile.');
      }
      const receive = createReceive(settings.topics, settings.wrap, dispatch, deps);
      const loop = new MqttSourceLoop(settings, clientOptions(settings, tls, t.connectTimeoutMs), receive, deps, t, state);
      // Resolves at the first attempt's outcome: the appliance does not wait for a broker.
      const attempted = new Promise<void>((resolve) => (loop.onAttempted = resolve));
      life.follow(loop.run(signal), 'mqtt source');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([attempted, new Promise<void>((resolve) => (timer = setTimeout(resolve, t.startWaitMs)))]);
      clearTimeout(timer);
    },
  };
}
