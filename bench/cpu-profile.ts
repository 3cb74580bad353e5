// Reads the .cpuprofile files `node --cpu-prof` left in a folder and names the functions with
// the most self time (time on the stack top), summed per function across the profile.

import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The largest profile in `dir` (the appliance's, not a worker's), as "fn (file:line) 12.3%, …". */
export async function summariseCpuProfile(dir: string, top: number): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return 'no profile written';
  const profiles = await Promise.all(files.map(async (f) => ({ f, p: JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile })));
  const { f, p } = profiles.sort((a, b) => b.p.samples.length - a.p.samples.length)[0]!;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const name = (n: ProfileNode) => {
    const { functionName, url, lineNumber } = n.callFrame;
    return `${functionName || '(anonymous)'} (${url ? `${shorten(url)}:${lineNumber + 1}` : 'native'})`;
  };
  const selfUs = new Map<string, number>();
  /** For natives and Node internals: the first caller outside them, weighted by self time. */
  const callers = new Map<string, Map<string, number>>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    const key = name(node);
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
    total += dt;
    const internal = (n: ProfileNode) => !n.callFrame.url || n.callFrame.url.startsWith('node:');
    if (internal(node)) {
      let up = byId.get(parentOf.get(id) ?? -1);
      while (up && internal(up) && up.callFrame.functionName !== '(root)') up = byId.get(parentOf.get(up.id) ?? -1);
      if (up && !internal(up)) {
        const byCaller = callers.get(key) ?? new Map<string, number>();
        byCaller.set(name(up), (byCaller.get(name(up)) ?? 0) + dt);
        callers.set(key, byCaller);
      }
    }
  });
  const ranked = [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top);
  const calledFrom = (key: string) => {
    const byCaller = callers.get(key);
    if (!byCaller) return '';
    const share = ([k, us]: [string, number]) => `${k} ${((100 * us) / total).toFixed(1)}%`;
    return ` [from ${[...byCaller].sort((a, b) => b[1] - a[1]).slice(0, 2).map(share).join(', ')}]`;
  };
  return `${basename(f)}, ${(total / 1e6).toFixed(1)} s sampled; top self time: ` +
    ranked.map(([k, us]) => `${k} ${((100 * us) / total).toFixed(1)}%${calledFrom(k)}`).join('; ');
}

function shorten(url: string): string {
  const i = url.indexOf('/node_modules/');
  if (i >= 0) return url.slice(i + 1);
  const d = url.indexOf('/dist/');
  return d >= 0 ? url.slice(d + 1) : url.replace(/^file:\/\//, '');
}
