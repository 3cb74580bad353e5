// Starts a real nats-server with JetStream on a free port and a temporary store, the way
// nats.js's own test launcher does: `port: -1` and a ports file to learn the port.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestNatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  stop(): Promise<void>;
}

/** `maxFileStore`: JetStream's file storage limit in bytes (a small disk, as far as it knows). */
export async function startNatsServer(options: { maxFileStore?: number } = {}): Promise<TestNatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-nats-'));
  const conf = join(dir, 'nats.conf');
  await writeFile(
    conf,
    JSON.stringify({ listen: '127.0.0.1:-1', ports_file_dir: dir, jetstream: { store_dir: join(dir, 'js'), ...(options.maxFileStore ? { max_file_store: options.maxFileStore } : {}) } }),
  );
  const child: ChildProcess = spawn('nats-server', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 15_000;
  let port: number | undefined;
  while (!port) {
    if (exited) throw new Error(`nats-server exited early: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`nats-server did not start: ${stderr}`);
    const file = (await readdir(dir)).find((f) => f.endsWith('.ports'));
    if (file) {
      const ports = JSON.parse(await readFile(join(dir, file), 'utf8')) as { nats: string[] };
      port = Number(new URL(ports.nats[0]!).port);
    } else await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir: join(dir, 'js'),
    async stop() {
      if (!exited) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await done;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
