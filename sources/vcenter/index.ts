// The vcenter source: streams vSphere events from a vCenter-like server over WebSocket
// (../../../shared/contracts/vcenter-events-ws.md) and publishes each as a CloudEvent. A
// vCenter that is down, refuses the password or breaks the contract is this source's
// degraded state, never a failed start (only an unreadable caFile fails it).

import { readFile } from 'node:fs/promises';
import type { Dispatch, Source, SourceDeps, SourceType } from '../source.js';
import { SourceLifecycle } from '../source-state.js';
import { createEndpoint, type TlsTrust } from './endpoint.js';
import { validateVcenterConfig, vcenterDefaults, vcenterSchema, type VcenterConfig } from './schema.js';
import { SourceLoop } from './source-loop.js';
import { vcenterTuning, type VcenterTuning } from './tuning.js';

export { vcenterTuning, type VcenterTuning } from './tuning.js';
export type { VcenterConfig } from './schema.js';
export { gapEventType } from './gap.js';

export const vcenterSource: SourceType<VcenterConfig> = {
  schema: vcenterSchema,
  validate: validateVcenterConfig,
  create: (config, deps) => createVcenterSource(config, deps),
};

export interface VcenterSource extends Source {
  /** Resolves once the source stopped after its signal aborted and wrote its checkpoint. */
  readonly stopped: Promise<void>;
}

export function createVcenterSource(config: VcenterConfig, deps: SourceDeps, tuning: Partial<VcenterTuning> = {}): VcenterSource {
  const options = Object.freeze({ ...vcenterDefaults(), ...config });
  const t: VcenterTuning = Object.freeze({ ...vcenterTuning(), ...tuning });
  const life = new SourceLifecycle(deps.logger);
  const state = life.state;
  return {
    name: config.name,
    type: 'vcenter',
    stopped: life.stopped,
    health: () => state.health(),
    async start(dispatch: Dispatch, signal: AbortSignal): Promise<void> {
      if (life.abortedBeforeStart(signal)) return;
      let tls: TlsTrust;
      try {
        tls = await readTrust(options, deps);
      } catch (err) {
        state.set('degraded', (err as Error).message);
        life.finish();
        throw err;
      }
      const endpoint = createEndpoint(options.url, options.username, options.password, options.auth, tls);
      const loop = new SourceLoop(options, endpoint, deps, t, state, dispatch);
      // Resolves at the first attempt's outcome: the appliance does not wait for a vCenter.
      const attempted = new Promise<void>((resolve) => (loop.onAttempted = resolve));
      life.follow(loop.run(signal), 'vcenter source');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([attempted, new Promise<void>((resolve) => (timer = setTimeout(resolve, t.startWaitMs)))]);
      clearTimeout(timer);
    },
  };
}

async function readTrust(options: VcenterConfig & { insecureTLS: boolean }, deps: SourceDeps): Promise<TlsTrust> {
  if (options.insecureTLS) {
    deps.logger.warn({ url: options.url }, 'insecureTLS: the vCenter certificate is not verified; anyone on the path can read the credentials. Prefer caFile.');
  }
  let ca: string | undefined;
  if (options.caFile !== undefined) {
    try {
      ca = await readFile(options.caFile, 'utf8');
    } catch (err) {
      throw new Error(`caFile ${options.caFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): give the path of a PEM file`, { cause: err });
    }
  }
  return { rejectUnauthorized: !options.insecureTLS, ...(ca === undefined ? {} : { ca }) };
}
