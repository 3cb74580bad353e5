// How commands that read state reach it: straight on the bus the appliance uses (all
// durable state lives in JetStream), so they work the same for an embedded bus and a cluster.

import pino from 'pino';
import type { Bus } from '../bus/bus.js';
import { embeddedTokenFile, readEmbeddedToken } from '../bus/embedded-token.js';
import { connectNatsBus } from '../bus/nats-bus.js';
import type { ResolvedConfig } from '../config/types.js';
import { ApplianceNotRunningError } from '../errors.js';

export async function connectToApplianceBus(config: ResolvedConfig): Promise<Bus> {
  const servers = config.bus.embedded ? [`nats://127.0.0.1:${config.bus.port}`] : [...config.bus.servers];
  const token = config.bus.embedded ? await embeddedToken(config) : config.bus.token;
  try {
    return await connectNatsBus({
      servers,
      logger: pino({ level: 'silent' }),
      user: config.bus.user,
      password: config.bus.password,
      token,
    });
  } catch (err) {
    const hint = config.bus.embedded
      ? `no appliance is running for ${config.file}: its embedded bus at 127.0.0.1:${config.bus.port} does not answer. ` +
        `Start it with: switchboard start --config ${config.file}`
      : `the NATS servers in bus.url (${servers.join(', ')}) do not answer; check that they are running`;
    throw new ApplianceNotRunningError(hint, { cause: err });
  }
}

/** Run `work` with a bus connection and close it afterwards. */
export async function withBus<T>(config: ResolvedConfig, work: (bus: Bus) => Promise<T>): Promise<T> {
  const bus = await connectToApplianceBus(config);
  try {
    return await work(bus);
  } finally {
    await bus.close();
  }
}

/** The embedded bus's token lives in its data dir, readable by the appliance's user only. */
async function embeddedToken(config: ResolvedConfig): Promise<string> {
  try {
    return await readEmbeddedToken(config.bus.dataDir);
  } catch (err) {
    const file = embeddedTokenFile(config.bus.dataDir);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ApplianceNotRunningError(
        `no appliance has run with ${config.file}: its bus token ${file} does not exist. Start it with: switchboard start --config ${config.file}`,
        { cause: err },
      );
    }
    throw new ApplianceNotRunningError(
      `cannot read the bus token ${file} (${(err as NodeJS.ErrnoException).code}): run this command as root or as the user the appliance runs as`,
      { cause: err },
    );
  }
}
