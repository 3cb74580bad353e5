// One invocation of an executable function (Python, shell, any binary): one process, in its
// sandbox (sandbox.ts), with the structured CloudEvent on stdin, its attributes in
// CE_* variables, results as JSON lines on fd 3, and a private area on the host (its /tmp, copies
// of its secrets) that is removed afterwards. Whatever the process does, the outcome is a
// CallResult; a timeout or a shutdown kills the whole process tree.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { FunctionDefinition } from '../../../src/runtime/function-definition.js';
import type { Invocation } from '../../processor.js';
import { buildExecutableEnv, type SecretValue } from './env.js';
import * as executableFailures from './failures.js';
import type { HostFacts } from '../host.js';
import { ExecutableOutput } from './output.js';
import { ResultsReader } from './results.js';
import {
  commandFor, executableSandboxArgs, limitedCommand, sandboxEntry, sandboxSecretsDir, sandboxTmpDir,
  type EntryFile, type ExecutableRuntime,
} from './sandbox.js';
import { encodeArgs, environmentArgs } from '../bubblewrap.js';
import type { HostPath } from '../system-view.js';
import * as failures from '../failures.js';
import type { CallResult, ProcessExit } from '../failures.js';

export interface ExecutableSettings {
  /** Each invocation's private area (its /tmp, its secrets) goes under this. */
  readonly tmpRoot: string;
  readonly logger: Logger;
  readonly maxLogLineLength: number;
  readonly sandbox: 'required' | 'best-effort';
  /** bwrap if it works here (see bubblewrap.ts), else undefined. */
  readonly bubblewrap: () => Promise<string | undefined>;
  readonly host: () => Promise<HostFacts>;
  /** What the function must not see, resolved (host.ts resolveHidden). */
  readonly hidden: () => Promise<readonly HostPath[]>;
  /** Told each time an executable runs without bubblewrap (best-effort); warns once. */
  readonly unsandboxed: () => void;
  /** Who the function runs as when that is not the appliance's own user (root → nobody). */
  readonly runAs?: { readonly uid: number; readonly gid: number };
}

/** A prepared invocation: what to spawn, how. */
interface Launch {
  readonly file: string;
  readonly args: readonly string[];
  readonly options: SpawnOptions;
  /** bwrap's `--args` (the env, secrets included): written to its fd 4, never on a command line. */
  readonly fd4?: string;
}

/** A reason the function cannot be started, worded for the operator. */
class CannotStart extends Error {}

const safeName = (name: string) => name.replace(/[^\w.-]/g, '_');

/** Runs one invocation to its end; `signal` aborts it (shutdown). Never rejects. */
export async function runExecutable(definition: FunctionDefinition, invocation: Invocation, settings: ExecutableSettings, signal: AbortSignal): Promise<CallResult> {
  const { name, manifest } = definition;
  const bwrap = await settings.bubblewrap();
  if (!bwrap) {
    if (settings.sandbox === 'required') return executableFailures.sandboxRequired(name);
    if (!manifest.network) return executableFailures.networkNeedsSandbox(name);
    settings.unsandboxed();
  }
  let area: string | undefined;
  try {
    let launch: Launch;
    try {
      area = await mkdtemp(join(settings.tmpRoot, `switchboard-${safeName(name)}-`));
      launch = await prepare(definition, invocation, settings, bwrap, area);
    } catch (error) {
      // Whatever stops the launch (an unreadable entry, a full disk) is this function's start failing.
      return failures.cannotStart(name, error instanceof Error ? error.message : String(error));
    }
    if (signal.aborted) return failures.stoppedForShutdown(name);
    return await execute(definition, invocation, settings, launch, signal);
  } finally {
    if (area) {
      await rm(area, { recursive: true, force: true }).catch((error: unknown) =>
        settings.logger.warn({ err: error, function: name, tempDir: area }, 'could not remove an executable invocation temp dir'));
    }
  }
}

async function entryFile(entry: string, runAs: ExecutableSettings['runAs']): Promise<EntryFile & { mode: number }> {
  const info = await stat(entry).catch(() => { throw new CannotStart(`its entry ${entry} cannot be read`); });
  const handle = await open(entry, 'r');
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    // Run as another user, the exec bit that counts is the others' one.
    const executable = (info.mode & (runAs ? 0o001 : 0o111)) !== 0;
    return { executable, shebang: head.toString('latin1') === '#!', mode: info.mode };
  } finally {
    await handle.close();
  }
}

/** As nobody, the function can only use files the others' permission bits open to it. */
async function checkAccess(runtime: ExecutableRuntime, code: HostPath, entry: string, file: EntryFile & { mode: number }): Promise<void> {
  const runsItself = commandFor(runtime, entry, file).length === 1;
  const folderMode = code.kind === 'dir' ? (await stat(code.path)).mode : 0o755;
  if ((file.mode & 0o004) === 0 || (folderMode & 0o001) === 0 || (runsItself && (file.mode & 0o001) === 0)) {
    throw new CannotStart(
      `it runs as the unprivileged user nobody (uid 65534), who cannot ${runsItself ? 'execute' : 'read'} ${entry}: ` +
        `make the function's files readable by others (chmod -R o+rX ${code.path}${runsItself ? `; chmod o+x ${entry}` : ''})`,
    );
  }
}

async function ownBy(path: string, runAs: ExecutableSettings['runAs']): Promise<void> {
  if (runAs) await chown(path, runAs.uid, runAs.gid);
}

/** Copies each secret into the private area, readable by the function's user only. */
async function copySecrets(definition: FunctionDefinition, dir: string, runAs: ExecutableSettings['runAs'], sandboxed: boolean): Promise<SecretValue[]> {
  const values: SecretValue[] = [];
  for (const secret of definition.manifest.secrets) {
    const content = await readFile(secret.file).catch((err: NodeJS.ErrnoException) => {
      throw new CannotStart(`secret "${secret.name}" cannot be read from ${secret.file} (${err.code ?? 'error'})`);
    });
    const copy = join(dir, secret.name);
    await writeFile(copy, content, { mode: 0o400 });
    await ownBy(copy, runAs);
    const file = sandboxed ? `${sandboxSecretsDir}/${secret.name}` : copy;
    values.push({ envName: secret.envName, value: content.toString('utf8').replace(/\r?\n$/u, ''), file });
  }
  await ownBy(dir, runAs);
  return values;
}

async function prepare(definition: FunctionDefinition, invocation: Invocation, settings: ExecutableSettings, bwrap: string | undefined, area: string): Promise<Launch> {
  const { name, entry, manifest } = definition;
  const runtime = definition.runtime as ExecutableRuntime;
  const host = await settings.host();
  if (!host.prlimit) throw new CannotStart('prlimit (util-linux), which sets its memory limit, is not installed: apt-get install -y util-linux');
  const dropping = bwrap !== undefined && settings.runAs !== undefined;
  if (dropping && !host.setpriv) throw new CannotStart('setpriv (util-linux), which makes it run as nobody, is not installed: apt-get install -y util-linux');
  const codePath = definition.readablePaths[0] ?? dirname(entry);
  const code: HostPath = { path: codePath, kind: (await stat(codePath)).isDirectory() ? 'dir' : 'file' };
  const file = await entryFile(entry, settings.runAs);
  if (settings.runAs) await checkAccess(runtime, code, entry, file);

  const tmpDir = join(area, 'tmp');
  await mkdir(tmpDir, { mode: 0o700 });
  await ownBy(tmpDir, settings.runAs);
  const secretsDir = manifest.secrets.length > 0 ? join(area, 'secrets') : undefined;
  if (secretsDir) await mkdir(secretsDir, { mode: 0o700 });
  const secrets = secretsDir ? await copySecrets(definition, secretsDir, settings.runAs, bwrap !== undefined) : [];
  const env = buildExecutableEnv({
    manifestEnv: manifest.env, secrets, event: invocation.event, functionName: name, invocationId: invocation.invocationId,
    attempt: invocation.attempt, deadline: Date.now() + invocation.timeoutMs, tmpDir: bwrap ? sandboxTmpDir : tmpDir,
  });
  const limits = { memoryMb: manifest.memoryMb };
  // stdin, stdout, stderr, fd 3 (results); bwrap also reads its --args from fd 4.
  const stdio: 'pipe'[] = ['pipe', 'pipe', 'pipe', 'pipe'];
  // Its own process group, so that a timeout kills everything it started (and Ctrl-C on the
  // appliance's terminal does not reach it).
  const common = { detached: true };
  if (!bwrap) {
    // best-effort: the appliance's user's view of the machine, still as nobody (Node drops
    // uid and groups before exec), with the scrubbed env, a private tmp and prlimit.
    if (settings.runAs) await chmod(area, 0o711);
    const inner = limitedCommand(commandFor(runtime, entry, file), limits, { prlimit: host.prlimit });
    return { file: inner[0]!, args: inner.slice(1), options: { ...common, stdio, env, cwd: code.kind === 'dir' ? code.path : dirname(entry), ...(settings.runAs ?? {}) } };
  }
  const spec = {
    system: host.system, code, tmpDir, hidden: await settings.hidden(), network: manifest.network, dropPrivileges: dropping,
    ...(secretsDir ? { secretsDir } : {}), ...(host.resolvConf ? { resolvConf: host.resolvConf } : {}),
  };
  const inner = limitedCommand(commandFor(runtime, sandboxEntry(code, entry), file), limits, { prlimit: host.prlimit, ...(dropping ? { setpriv: host.setpriv } : {}) });
  return {
    file: bwrap,
    args: ['--args', '4', ...executableSandboxArgs(spec), '--', ...inner],
    // bwrap itself (root, outside the sandbox) gets no environment at all: nothing a
    // manifest sets (LD_PRELOAD…) can reach it. The function's env goes through --setenv.
    options: { ...common, stdio: [...stdio, 'pipe'], env: {}, cwd: '/' },
    fd4: encodeArgs(environmentArgs(env)),
  };
}

/** SIGKILL to its process group: bwrap (whose sandbox dies with it) or, unsandboxed, the process and its children. */
function killTree(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // the group is gone already
  }
}

function execute(definition: FunctionDefinition, invocation: Invocation, settings: ExecutableSettings, launch: Launch, signal: AbortSignal): Promise<CallResult> {
  const { name, manifest } = definition;
  const output = new ExecutableOutput(settings.logger, invocation, settings.maxLogLineLength);
  return new Promise((resolve) => {
    let stopped: 'timeout' | 'shutdown' | undefined;
    let settled = false;
    let child: ChildProcess;
    try {
      child = spawn(launch.file, launch.args, launch.options);
    } catch (error) {
      resolve(failures.cannotStart(name, `${launch.file} could not be started: ${(error as Error).message}`));
      return;
    }
    const results = new ResultsReader(child.stdio[3] as Readable | null);
    output.attach(child.stdout, 'stdout');
    output.attach(child.stderr, 'stderr');
    const stop = (reason: 'timeout' | 'shutdown') => {
      stopped ??= reason;
      killTree(child);
    };
    const timer = setTimeout(() => stop('timeout'), invocation.timeoutMs);
    const onAbort = () => stop('shutdown');
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = (result: CallResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve({ ...result, output: output.result() });
    };
    child.on('error', (error) => {
      // Never spawned (no bwrap binary after all, a bad path): no 'close' to wait for.
      if (child.pid === undefined) finish(failures.cannotStart(name, `${launch.file} could not be started: ${error.message}`));
    });
    // What it left behind (a background job) goes with it; unsandboxed, only the group finds them.
    child.on('exit', () => killTree(child));
    child.on('close', (code, exitSignal) => {
      const exit: ProcessExit = { code, signal: exitSignal };
      if (stopped === 'shutdown') finish(failures.stoppedForShutdown(name));
      else if (stopped === 'timeout') finish(failures.timedOut(name, invocation.timeoutMs, false));
      else if (code !== 0) finish(executableFailures.exitedBadly(name, manifest.memoryMb, exit, output.stderrTail));
      else {
        const parsed = results.result();
        finish(parsed.ok ? { ok: true, value: parsed.events } : executableFailures.badResults(name, parsed.problem));
      }
    });
    const fd4 = child.stdio[4];
    if (launch.fd4 !== undefined && fd4 && 'end' in fd4) {
      fd4.on('error', () => {}); // bwrap failed before reading: its stderr says why
      fd4.end(launch.fd4);
    }
    child.stdin?.on('error', () => {}); // it need not read stdin (EPIPE)
    child.stdin?.end(JSON.stringify(invocation.event));
  });
}
