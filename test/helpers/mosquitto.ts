// Starts a real mosquitto on a free loopback port with a temporary config and persistence
// folder. It can be stopped and started again on the same port and data, so a test can
// restart the broker under a connected client, or show that a persistent session and the
// QoS 1/2 messages queued for it survive the restart.
//
// mosquitto 2 cannot listen on port 0 and report the port (nats-server's ports file), so a
// free port is found first by binding one and releasing it.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { freePort } from './appliance.js';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface TestMosquitto {
  /** mqtt://127.0.0.1:<port> */
  readonly url: string;
  /** mqtts://127.0.0.1:<port>, when started with `tls`. */
  readonly tlsUrl?: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stops the broker with SIGTERM (it writes its persistence file), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
}

export interface MosquittoOptions {
  /** Lines appended to mosquitto.conf. */
  readonly config?: readonly string[];
  /** Also listen with TLS, with this PEM certificate and key. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

const binary = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

export async function startMosquitto(options: MosquittoOptions = {}): Promise<TestMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-mosquitto-'));
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : undefined;
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    // Started as root, mosquitto drops to the `mosquitto` user, which cannot write the
    // persistence file into our temporary folder: stay who we are.
    `user ${userInfo().username}`,
    'persistence true',
    `persistence_location ${dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    ...(options.tls ? [`listener ${tlsPort} 127.0.0.1`, `certfile ${options.tls.certFile}`, `keyfile ${options.tls.keyFile}`] : []),
    ...(options.config ?? []),
    '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  let exited = true;

  async function start(): Promise<void> {
    if (!exited) return;
    const process = spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = process;
    exited = false;
    let stderr = '';
    process.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    process.once('exit', () => (exited = true));
    const deadline = Date.now() + 15_000;
    while (!(await accepts(port))) {
      if (exited) throw new Error(`mosquitto exited early: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function stop(): Promise<void> {
    if (exited || !child) return;
    const done = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await done;
  }

  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    ...(tlsPort ? { tlsUrl: `mqtts://127.0.0.1:${tlsPort}` } : {}),
    port,
    dataDir: dir,
    stop,
    start,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
