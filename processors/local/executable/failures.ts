// The failed outcomes of an executable invocation, worded for the operator reading a
// dead-lettered event. Pure: run.ts supplies the facts. Timeouts and shutdowns
// read as they do for JS functions (failures.ts).

import type { CallResult, ProcessExit } from '../failures.js';
import { failure } from '../failures.js';

/** What the sandbox tools print when they, not the function, fail (see sandbox.ts). */
const sandboxToolLine = /^(bwrap|setpriv|prlimit): .*/mu;
/** How running past RLIMIT_AS shows: Python's MemoryError, C's ENOMEM, C++'s bad_alloc… */
const outOfMemory = /MemoryError|Cannot allocate memory|out of memory|bad_alloc|memory exhausted/iu;

/** The last few lines stderr said, for the message; at most ~1000 characters. */
export function stderrEnding(tail: string): string {
  const lines = tail.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const ending = lines.slice(-5).join('\n');
  return ending.length <= 1000 ? ending : `…${ending.slice(-1000)}`;
}

function describeExit(exit: ProcessExit): string {
  return exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code ?? 'unknown'}`;
}

/** A process that did not exit 0: its own failure, a memory limit, or the sandbox that could not start it. */
export function exitedBadly(name: string, memoryMb: number, exit: ProcessExit, stderrTail: string): CallResult {
  const ending = stderrEnding(stderrTail);
  const said = ending ? `; stderr ends with:\n${ending}` : ' and wrote nothing on stderr';
  const tool = sandboxToolLine.exec(stderrTail);
  if (tool && !outOfMemory.test(stderrTail)) {
    return failure('SB_FUNCTION_LOAD_FAILED', `function ${name} could not be started in its sandbox: ${tool[0]}`);
  }
  if (outOfMemory.test(stderrTail)) {
    return failure(
      'SB_FUNCTION_CRASHED',
      `function ${name} ran out of memory: its address space is limited to ${memoryMb} MB (manifest \`memory\`), and it ${describeExit(exit)}${said}\nRaise \`memory\` in its manifest or make it use less.`,
    );
  }
  return failure('SB_FUNCTION_FAILED', `function ${name} ${describeExit(exit)}${said}`);
}

export function badResults(name: string, problem: string): CallResult {
  return failure('SB_FUNCTION_FAILED', `function ${name} exited 0 but its results are unusable: ${problem}`);
}

const install = 'Install it: apt-get install -y bubblewrap';

/** functions.sandbox: required, and no bubblewrap that works. */
export function sandboxRequired(name: string): CallResult {
  return failure(
    'SB_FUNCTION_LOAD_FAILED',
    `function ${name} was not run: Python, shell and other executables run only inside a bubblewrap sandbox (functions.sandbox: required), and bubblewrap is not installed or cannot create namespaces here. ${install}, or set functions.sandbox: best-effort to run them without a sandbox (not recommended)`,
  );
}

/** Without bubblewrap (best-effort), a promise of no network cannot be kept: not run at all. */
export function networkNeedsSandbox(name: string): CallResult {
  return failure(
    'SB_FUNCTION_LOAD_FAILED',
    `function ${name} was not run: its manifest says \`network: false\`, which only the bubblewrap sandbox can enforce, and bubblewrap is not installed or cannot create namespaces here. ${install}`,
  );
}
