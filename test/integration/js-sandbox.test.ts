// A JavaScript function tries to cross each boundary of its worker's sandbox, on a worker of
// its own and on a pre-started one that adopted it (spare-workers.ts), and fails the same
// way on both: a root-only Unix socket on the host (the permission model does not cover
// sockets), root itself, its own code and its secret's copy, a symlink in its folder leading
// out of it, the password hashes. It still reads its own files and secret, writes its TMPDIR
// and returns its result. Real bubblewrap; workers run from dist/ (`npm run build` first).

import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProcessor, type LocalProcessor } from '../../processors/local/index.js';
import { workerMainPath } from '../../processors/local/worker-main-path.js';
import type { InvocationOutcome } from '../../processors/processor.js';
import { scanFunctions } from '../../src/runtime/function-registry.js';
import { protectedPaths } from '../../src/runtime/protected-paths.js';

const asRoot = process.getuid?.() === 0;

// Every attempt in one invocation; each reports what it got (a value or an error code).
const probe = `import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
const attempt = async (what) => { try { return { ok: true, value: await what() }; } catch (e) { return { ok: false, code: e.code ?? String(e) }; } };
const talk = (path) => new Promise((resolve, reject) => {
  const socket = connect(path);
  socket.setTimeout(3000, () => { socket.destroy(); reject(new Error('timeout')); });
  socket.on('data', (d) => { socket.destroy(); resolve(d.toString()); });
  socket.on('error', reject);
});
export default async function (event) {
  const self = new URL(import.meta.url);
  const code = await readFile(self, 'utf8');
  return {
    uid: process.getuid(), gid: process.getgid(),
    rootSocket: await attempt(() => talk(event.data.socket)),
    systemBus: await attempt(() => talk('/run/dbus/system_bus_socket')),
    writeOwnCode: await attempt(() => writeFile(self, 'export default () => "hijacked";')),
    ownCodeIntact: (await readFile(self, 'utf8')) === code,
    writeSecret: await attempt(() => writeFile(process.env.TOKEN_FILE, 'overwritten')),
    secret: await attempt(() => readFile(process.env.TOKEN_FILE, 'utf8')),
    secretEnv: process.env.TOKEN,
    viaSymlink: await attempt(() => readFile(new URL('./leak', import.meta.url), 'utf8')),
    shadow: await attempt(() => readFile('/etc/shadow', 'utf8')),
    ownFile: await attempt(() => readFile(new URL('./data.txt', import.meta.url), 'utf8')),
    tmp: await attempt(async () => { await writeFile(process.env.TMPDIR + '/scratch', 'ok'); return readFile(process.env.TMPDIR + '/scratch', 'utf8'); }),
  };
}
`;

let root: string;
let functionsDir: string;
let secretsDir: string;
let tmpRoot: string;
let socketPath: string;
let server: Server;
const connections: string[] = [];

beforeAll(async () => {
  if (!existsSync(workerMainPath())) throw new Error(`${workerMainPath()} is missing: run \`npm run build\` first`);
  root = await mkdtemp(join(tmpdir(), 'sb-js-sandbox-'));
  functionsDir = join(root, 'functions');
  secretsDir = join(root, 'secrets');
  tmpRoot = join(root, 'tmp');
  await mkdir(join(functionsDir, 'probe'), { recursive: true });
  await mkdir(secretsDir, { mode: 0o700 });
  await mkdir(tmpRoot);
  await writeFile(join(secretsDir, 'token'), 's3cret\n', { mode: 0o600 });
  await writeFile(join(secretsDir, 'other-secret'), 'not yours\n', { mode: 0o600 });
  await writeFile(join(functionsDir, 'probe', 'index.mjs'), probe);
  await writeFile(join(functionsDir, 'probe', 'data.txt'), 'its own file');
  await writeFile(join(functionsDir, 'probe', 'function.yaml'), 'secrets: [token]\n');
  await symlink(join(secretsDir, 'other-secret'), join(functionsDir, 'probe', 'leak'));
  // A root-only service, as systemd's, D-Bus's or Docker's socket is.
  const privateDir = join(root, 'private');
  await mkdir(privateDir);
  await chmod(privateDir, 0o700);
  socketPath = join(privateDir, 'root-only.sock');
  server = createServer((socket) => { connections.push('accepted'); socket.end('root shell> '); });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

async function processorWith(prestartedWorkers: number): Promise<LocalProcessor> {
  const functions = { dir: functionsDir, defaultTimeoutMs: 10_000, defaultMemoryMb: 256, maxWorkersPerFunction: 2, maxChainDepth: 8, secretsDir, sandbox: 'required' as const };
  const { catalog } = await scanFunctions(functions as never, { env: {} });
  expect(catalog.get('probe')).toBeDefined();
  const hidden = protectedPaths({ file: join(root, 'switchboard.yaml'), baseDir: root, bus: { dataDir: join(root, 'data') }, functions });
  return createLocalProcessor({ functions: catalog, logger: pino({ level: 'silent' }), tmpRoot, prestartedWorkers, defaultMemoryMb: 256, protectedPaths: hidden });
}

async function until<T>(check: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function resultOf(outcome: InvocationOutcome): Record<string, unknown> {
  if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result as Record<string, unknown>;
}

describe.each([
  { worker: 'a worker of its own', prestarted: 0 },
  { worker: 'a pre-started worker', prestarted: 1 },
])('a JavaScript function on $worker', ({ prestarted }) => {
  let processor: LocalProcessor;
  let value: Record<string, unknown>;

  beforeAll(async () => {
    processor = await processorWith(prestarted);
    await processor.warm();
    const spares = prestarted ? await until(() => (processor.prestarted().length > 0 ? processor.prestarted() : undefined), 'a pre-started worker') : [];
    value = resultOf(await processor.invoke({
      invocationId: 'probe-1', functionName: 'probe', subscription: 's', attempt: 1, timeoutMs: 10_000,
      event: { specversion: '1.0', id: 'e1', source: '/t', type: 't', data: { socket: socketPath } },
    }));
    const [worker] = processor.status().find((s) => s.function === 'probe')!.workers;
    if (prestarted) expect(spares).toContain(worker!.pid); // really the adopted spare
  });

  afterAll(async () => {
    await processor.close(0);
    expect(await readdir(tmpRoot)).toEqual([]);
  });

  it('cannot reach a root-only Unix socket of the host, nor the system bus: no /run, no host tree', () => {
    expect(value.rootSocket).toEqual({ ok: false, code: 'ENOENT' });
    expect(value.systemBus).toEqual({ ok: false, code: 'ENOENT' });
    expect(connections).toEqual([]);
  });

  it.runIf(asRoot)('runs as nobody (65534) when the appliance is root', () => {
    expect(value).toMatchObject({ uid: 65534, gid: 65534 });
  });

  it('cannot overwrite its own code or its secret', () => {
    expect(value.writeOwnCode).toMatchObject({ ok: false });
    expect(value.ownCodeIntact).toBe(true);
    expect(value.writeSecret).toMatchObject({ ok: false });
    expect(value.secret).toEqual({ ok: true, value: 's3cret\n' });
  });

  it('cannot read a file outside its folder through a symlink in it, nor /etc/shadow', () => {
    expect(value.viaSymlink).toMatchObject({ ok: false });
    expect(JSON.stringify(value)).not.toContain('not yours');
    expect(value.shadow).toMatchObject({ ok: false });
  });

  it('still reads its own files and secret, writes its TMPDIR and returns its result', () => {
    expect(value.ownFile).toEqual({ ok: true, value: 'its own file' });
    expect(value.secretEnv).toBe('s3cret');
    expect(value.tmp).toEqual({ ok: true, value: 'ok' });
  });
});
