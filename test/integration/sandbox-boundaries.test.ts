// A function tries to cross each boundary of its sandbox, and fails: the system's password
// hashes, the appliance's config, the other functions and their secrets, writing outside
// its /tmp, the appliance's environment, the network when it has none, root, memory. Real
// bubblewrap, python3 and the appliance's folder layout (config, bus store, functions,
// secrets side by side). JS workers' boundaries are in local-processor.test.ts and
// js-sandbox.test.ts; the ones missing there are at the end. Needs `npm run build` for those (workers run from dist/).

import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProcessor, type LocalProcessorOptions } from '../../processors/local/index.js';
import { workerMainPath } from '../../processors/local/worker-main-path.js';
import type { Invocation, InvocationOutcome, Processor } from '../../processors/processor.js';
import type { FunctionsConfig } from '../../src/config/types.js';
import type { FunctionCatalog } from '../../src/runtime/function-definition.js';
import { scanFunctions } from '../../src/runtime/function-registry.js';
import { protectedPaths } from '../../src/runtime/protected-paths.js';

const asRoot = process.getuid?.() === 0;
const jsFixtures = fileURLToPath(new URL('../fixtures/functions/', import.meta.url));

// Tries what the event asks and reports what happened, as its one result event.
const probe = `import json, os, socket, sys
d = json.load(sys.stdin)["data"]
def identity():
    caps = {l.split(":")[0]: l.split()[1] for l in open("/proc/self/status") if l.startswith("Cap")}
    return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(), "caps": caps}
def write_tmp():
    open(os.path.join(os.environ["TMPDIR"], "scratch"), "w").write("ok")
    return open(os.path.join(os.environ["HOME"], "scratch")).read()
probes = {
    "read": lambda: open(d["path"]).read(),
    "list": lambda: sorted(os.listdir(d["path"])),
    "write": lambda: open(d["path"], "w").write("escaped"),
    "env": lambda: dict(os.environ),
    "connect": lambda: socket.create_connection(("127.0.0.1", d["port"]), timeout=3).recv(10).decode(),
    "identity": identity,
    "secret": lambda: {"env": os.environ.get("CHAT_URL"), "path": os.environ["CHAT_URL_FILE"], "file": open(os.environ["CHAT_URL_FILE"]).read()},
    "writeTmp": write_tmp,
}
try:
    report = {"allowed": True, "value": probes[d["probe"]]()}
except Exception as e:
    report = {"allowed": False, "error": type(e).__name__ + ": " + str(e)}
with os.fdopen(3, "w") as out:
    out.write(json.dumps({"specversion": "1.0", "type": "probe", "data": report}) + "\\n")
`;

const hog = `import json, sys
mb = json.load(sys.stdin)["data"]["mb"]
block = bytearray(mb * 1024 * 1024)
print("allocated", len(block) // (1024 * 1024), "MB")
`;

const canary = `sb-canary-${process.pid}`;
let root: string;
let tmpRoot: string;
let etcDir: string | undefined;
let functions: FunctionsConfig;
let catalog: FunctionCatalog;
let hidden: string[];
let processor: Processor;
const processors: Processor[] = [];
const logLines: Array<Record<string, unknown>> = [];
const paths = {
  config: '', functionsDir: '', secretsDir: '', dataDir: '', otherFunction: '', otherSecret: '', etcConfig: '',
};

function start(options: Partial<LocalProcessorOptions> = {}): Processor {
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
  const made = createLocalProcessor({ functions: catalog, logger, tmpRoot, protectedPaths: hidden, ...options });
  processors.push(made);
  return made;
}

beforeAll(async () => {
  // Set before anything runs: no function may see it.
  process.env.SB_APPLIANCE_CANARY = canary;
  // The appliance's layout: config, bus store, functions and secrets in one folder.
  root = await mkdtemp(join(tmpdir(), 'sb-boundaries-'));
  tmpRoot = await mkdtemp(join(tmpdir(), 'sb-boundaries-tmp-'));
  Object.assign(paths, {
    config: join(root, 'switchboard.yaml'), functionsDir: join(root, 'functions'), secretsDir: join(root, 'secrets'), dataDir: join(root, 'data'),
  });
  paths.otherFunction = join(paths.functionsDir, 'other', 'handler.py');
  paths.otherSecret = join(paths.secretsDir, 'other-secret');
  await writeFile(paths.config, 'apiVersion: switchboard/v1\n# token: config-secret\n');
  await mkdir(paths.dataDir);
  await writeFile(join(paths.dataDir, 'embedded-token'), 'bus-secret\n');
  await mkdir(paths.secretsDir);
  await writeFile(join(paths.secretsDir, 'chat-url'), 'https://chat.example/T0K3N\n', { mode: 0o600 });
  await writeFile(paths.otherSecret, 'other-function-secret\n', { mode: 0o600 });
  const fn = async (relative: string, content: string) => {
    await mkdir(join(paths.functionsDir, relative, '..'), { recursive: true });
    await writeFile(join(paths.functionsDir, relative), content);
  };
  await fn('probe/handler.py', probe);
  await fn('probe/function.yaml', 'secrets: [chat-url]\nenv:\n  GREETING: hello\n');
  await fn('offline.py', probe);
  await fn('offline.yaml', 'network: false\n');
  await fn('other/handler.py', probe);
  await fn('other/function.yaml', 'secrets: [other-secret]\n');
  await fn('hog.py', hog);
  await fn('hog.yaml', 'memory: 64\n');
  await cp(join(jsFixtures, 'sandbox'), join(paths.functionsDir, 'js-probe'), { recursive: true });
  await fn('js-probe/function.yaml', 'secrets: [chat-url]\n');
  hidden = protectedPaths({ file: paths.config, baseDir: root, bus: { dataDir: paths.dataDir }, functions: { dir: paths.functionsDir, secretsDir: paths.secretsDir } });
  if (asRoot) {
    // The usual place: /etc/switchboard/ lies under /etc, which the sandbox mounts; it must be masked.
    etcDir = await mkdtemp('/etc/switchboard-test-');
    paths.etcConfig = join(etcDir, 'switchboard.yaml');
    await writeFile(paths.etcConfig, 'apiVersion: switchboard/v1\n');
    hidden.push(etcDir);
  }
  functions = {
    dir: paths.functionsDir, defaultTimeoutMs: 10_000, defaultMemoryMb: 256, maxWorkersPerFunction: 2, maxChainDepth: 8, secretsDir: paths.secretsDir, sandbox: 'required',
  };
  const scanned = await scanFunctions(functions, { env: {} });
  expect(scanned.problems).toEqual([]);
  catalog = scanned.catalog;
  processor = start();
});

afterAll(async () => {
  delete process.env.SB_APPLIANCE_CANARY;
  await Promise.all(processors.map((p) => p.close(1000)));
  if (tmpRoot) expect(await readdir(tmpRoot)).toEqual([]);
  await Promise.all([root, tmpRoot, etcDir].filter((d): d is string => d !== undefined).map((d) => rm(d, { recursive: true, force: true })));
});

let counter = 0;
function invocation(functionName: string, data: Record<string, unknown>): Invocation {
  counter += 1;
  return {
    invocationId: `inv-${counter}`, functionName, subscription: 'probes', attempt: 1, timeoutMs: 15_000,
    event: { specversion: '1.0', id: `evt-${counter}`, source: '/test', type: 'com.example.probe', data },
  };
}

interface Report { allowed: boolean; value?: unknown; error?: string }

function reportOf(outcome: InvocationOutcome): Report {
  if (!outcome.ok) throw new Error(`expected the probe to run, got ${outcome.error.code}: ${outcome.error.message}`);
  return (outcome.result as Array<{ data: Report }>)[0]!.data;
}

const attempt = async (data: Record<string, unknown>, name = 'probe', on: Processor = processor) => reportOf(await on.invoke(invocation(name, data)));

describe('executable sandbox boundaries', () => {
  it('cannot read /etc/shadow or /etc/gshadow, while the rest of the system is readable', async () => {
    expect(await attempt({ probe: 'read', path: '/etc/shadow' })).toMatchObject({ allowed: false });
    expect(await attempt({ probe: 'read', path: '/etc/gshadow' })).toMatchObject({ allowed: false });
    expect(await attempt({ probe: 'read', path: '/etc/passwd' })).toMatchObject({ allowed: true });
  });

  it("cannot read the appliance's config file, its folder or the bus store", async () => {
    expect(await attempt({ probe: 'read', path: paths.config })).toMatchObject({ allowed: false, error: expect.stringContaining('FileNotFoundError') });
    expect(await attempt({ probe: 'list', path: root })).toMatchObject({ allowed: false });
    expect(await attempt({ probe: 'read', path: join(paths.dataDir, 'embedded-token') })).toMatchObject({ allowed: false });
  });

  it.runIf(asRoot)('sees an empty folder where the config lives under a mounted tree (/etc/switchboard)', async () => {
    expect(await attempt({ probe: 'read', path: paths.etcConfig })).toMatchObject({ allowed: false });
    expect(await attempt({ probe: 'list', path: etcDir! })).toEqual({ allowed: true, value: [] });
    expect(await attempt({ probe: 'read', path: '/etc/hostname' })).toMatchObject({ allowed: true });
  });

  it("cannot read another function's files or list the functions folder; sees its own folder", async () => {
    expect(await attempt({ probe: 'read', path: paths.otherFunction })).toMatchObject({ allowed: false });
    expect(await attempt({ probe: 'list', path: paths.functionsDir })).toMatchObject({ allowed: false });
    expect(await attempt({ probe: 'list', path: '/function' })).toEqual({ allowed: true, value: ['function.yaml', 'handler.py'] });
  });

  it("gets its own secret as env var and file, and cannot read another function's secret or the secrets folder", async () => {
    expect(await attempt({ probe: 'secret' })).toEqual({
      allowed: true, value: { env: 'https://chat.example/T0K3N', path: '/run/secrets/chat-url', file: 'https://chat.example/T0K3N\n' },
    });
    expect(await attempt({ probe: 'read', path: paths.otherSecret })).toMatchObject({ allowed: false });
    expect(await attempt({ probe: 'list', path: paths.secretsDir })).toMatchObject({ allowed: false });
    expect(await attempt({ probe: 'list', path: '/run/secrets' })).toEqual({ allowed: true, value: ['chat-url'] });
    expect(await attempt({ probe: 'list', path: '/run/secrets' }, 'offline')).toMatchObject({ allowed: false });
    // Never logged.
    expect(JSON.stringify(logLines)).not.toContain('T0K3N');
  });

  it('cannot write anywhere but its private /tmp: not its own folder, /etc, /usr or the host', async () => {
    const outside = join(root, 'escaped.txt');
    for (const path of ['/function/escaped.txt', '/etc/escaped.txt', '/usr/escaped.txt', outside, join(tmpRoot, 'escaped.txt')]) {
      expect(await attempt({ probe: 'write', path })).toMatchObject({ allowed: false });
    }
    expect(existsSync(join(paths.functionsDir, 'probe', 'escaped.txt'))).toBe(false);
    expect(existsSync('/etc/escaped.txt') || existsSync('/usr/escaped.txt') || existsSync(outside)).toBe(false);
    expect(await attempt({ probe: 'writeTmp' })).toEqual({ allowed: true, value: 'ok' });
  });

  it("sees nothing of the appliance's environment", async () => {
    expect(process.env.SB_APPLIANCE_CANARY).toBe(canary);
    const env = (await attempt({ probe: 'env' })).value as Record<string, string>;
    expect(JSON.stringify(env)).not.toContain(canary);
    const own = Object.keys(env).filter((k) => !/^(CE_|SWITCHBOARD_)/u.test(k)).sort();
    expect(own).toEqual(['CHAT_URL', 'CHAT_URL_FILE', 'GREETING', 'HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']);
    expect(env).toMatchObject({ HOME: '/tmp', TMPDIR: '/tmp', PWD: '/function' });
  });

  describe('network', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((socket) => socket.end('pong'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('reaches a TCP server on the host with network: true (the default)', async () => {
      expect(await attempt({ probe: 'connect', port })).toEqual({ allowed: true, value: 'pong' });
    });

    it('cannot reach it with network: false', async () => {
      expect(await attempt({ probe: 'connect', port }, 'offline')).toMatchObject({ allowed: false, error: expect.stringMatching(/ConnectionRefused|OSError|timed out/u) });
    });
  });

  it.runIf(asRoot)('runs as nobody (65534), with no groups and no capabilities, when the appliance is root', async () => {
    const { value } = await attempt({ probe: 'identity' });
    expect(value).toMatchObject({ uid: 65534, euid: 65534, gid: 65534, groups: [] });
    const caps = (value as { caps: Record<string, string> }).caps;
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(Number.parseInt(caps[set]!, 16)).toBe(0);
  });

  it('fails an executable that allocates past its memory limit, naming the limit', async () => {
    const small = await processor.invoke(invocation('hog', { mb: 8 }));
    expect(small.ok).toBe(true);
    const outcome = await processor.invoke(invocation('hog', { mb: 200 }));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('SB_FUNCTION_CRASHED');
    expect(outcome.error.message).toContain('ran out of memory: its address space is limited to 64 MB');
  });
});

describe('executables without bubblewrap', () => {
  const noBubblewrap = async () => undefined;

  it('refuses them under functions.sandbox: required, saying how to install bubblewrap', async () => {
    const refusing = start({ detectBubblewrap: noBubblewrap, sandbox: 'required' });
    const outcome = await refusing.invoke(invocation('probe', { probe: 'env' }));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe('SB_FUNCTION_LOAD_FAILED');
    expect(outcome.error.message).toContain('only inside a bubblewrap sandbox');
    expect(outcome.error.message).toContain('apt-get install -y bubblewrap');
  });

  it('runs them under best-effort, still scrubbed, limited and unprivileged, with one warning', async () => {
    // Unsandboxed, the function sees the host as nobody does: its files and the temp root
    // must be open to others, as on an appliance (/tmp is).
    const open = await mkdtemp(join(tmpdir(), 'sb-best-effort-'));
    try {
      await chmod(open, 0o755);
      await mkdir(join(open, 'functions'));
      await writeFile(join(open, 'functions', 'probe.py'), probe);
      await writeFile(join(open, 'functions', 'offline.py'), probe);
      await writeFile(join(open, 'functions', 'offline.yaml'), 'network: false\n');
      await mkdir(join(open, 'tmp'), { mode: 0o711 });
      await chmod(join(open, 'tmp'), 0o711);
      const scanned = await scanFunctions({ ...functions, dir: join(open, 'functions') }, { env: {} });
      const before = logLines.length;
      const bestEffort = createLocalProcessor({
        functions: scanned.catalog, logger: pino({ level: 'debug' }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) }),
        tmpRoot: join(open, 'tmp'), detectBubblewrap: noBubblewrap, sandbox: 'best-effort', protectedPaths: hidden,
      });
      processors.push(bestEffort);
      const env = (await attempt({ probe: 'env' }, 'probe', bestEffort)).value as Record<string, string>;
      expect(JSON.stringify(env)).not.toContain(canary);
      expect(env.TMPDIR).toContain(join(open, 'tmp'));
      expect(await attempt({ probe: 'writeTmp' }, 'probe', bestEffort)).toEqual({ allowed: true, value: 'ok' });
      if (asRoot) expect((await attempt({ probe: 'identity' }, 'probe', bestEffort)).value).toMatchObject({ uid: 65534, gid: 65534, groups: [] });
      // No bubblewrap, no network namespace: a promise of no network cannot be kept.
      const offline = await bestEffort.invoke(invocation('offline', { probe: 'env' }));
      expect(offline.ok ? undefined : offline.error.code).toBe('SB_FUNCTION_LOAD_FAILED');
      const warnings = logLines.slice(before).filter((l) => String(l.msg).includes('WITHOUT a sandbox'));
      expect(warnings).toHaveLength(1);
      await bestEffort.close(1000);
      expect(await readdir(join(open, 'tmp'))).toEqual([]);
    } finally {
      await rm(open, { recursive: true, force: true });
    }
  });
});

describe('JavaScript sandbox boundaries not covered in local-processor.test.ts', () => {
  beforeAll(() => {
    if (!existsSync(workerMainPath())) throw new Error(`${workerMainPath()} is missing: run \`npm run build\` first`);
  });

  it("cannot read /etc/shadow, the appliance's config, the bus store, or another function's secret; reads (not writes) its own secret's copy", async () => {
    for (const path of ['/etc/shadow', paths.config, join(paths.dataDir, 'embedded-token'), paths.otherSecret]) {
      const outcome = await processor.invoke(invocation('js-probe', { probe: 'read', path }));
      if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
      expect(outcome.result, path).toMatchObject({ allowed: false, code: 'ERR_ACCESS_DENIED' });
    }
    // Its own secret too, at the secrets folder: it reads its read-only copy (CHAT_URL_FILE).
    const original = await processor.invoke(invocation('js-probe', { probe: 'read', path: join(paths.secretsDir, 'chat-url') }));
    expect(original.ok && original.result).toMatchObject({ allowed: false });
    const env = await processor.invoke(invocation('js-probe', { probe: 'env' }));
    const copy = ((env.ok && env.result) as { value: Record<string, string> }).value.CHAT_URL_FILE!;
    expect(copy).not.toContain(paths.secretsDir);
    const own = await processor.invoke(invocation('js-probe', { probe: 'read', path: copy }));
    expect(own.ok && own.result).toMatchObject({ allowed: true });
    const overwrite = await processor.invoke(invocation('js-probe', { probe: 'write', path: copy }));
    expect(overwrite.ok && overwrite.result).toMatchObject({ allowed: false });
  });
});
