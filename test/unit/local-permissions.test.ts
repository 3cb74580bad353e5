import { describe, expect, it } from 'vitest';
import { buildExecArgv, buildWorkerEnv } from '../../processors/local/permissions.js';

const paths = { workerMain: '/opt/sb/dist/processors/local/worker-main.js', readablePaths: ['/srv/functions/notify'], tempDir: '/tmp/switchboard-notify-abc' };

describe('local processor sandbox flags', () => {
  it('grants reading the bootstrap, the function and its temp dir, writing only the temp dir', () => {
    expect(buildExecArgv(paths, { memoryMb: 256 })).toEqual([
      '--experimental-permission',
      '--allow-fs-read=/opt/sb/dist/processors/local/worker-main.js',
      '--allow-fs-read=/srv/functions/notify',
      '--allow-fs-read=/tmp/switchboard-notify-abc',
      // Where Node looks for each module's package.json (Node 20.19 throws when it may not).
      '--allow-fs-read=/opt/sb/dist/processors/local/package.json',
      '--allow-fs-read=/opt/sb/dist/processors/package.json',
      '--allow-fs-read=/opt/sb/dist/package.json',
      '--allow-fs-read=/opt/sb/package.json',
      '--allow-fs-read=/opt/package.json',
      '--allow-fs-read=/package.json',
      '--allow-fs-read=/srv/functions/package.json',
      '--allow-fs-read=/srv/package.json',
      '--allow-fs-write=/tmp/switchboard-notify-abc',
      '--max-old-space-size=256',
      '--experimental-detect-module',
      '--disable-warning=ExperimentalWarning',
    ]);
  });

  it('grants no folder above the function and the bootstrap: only the package.json files in them', () => {
    const reads = buildExecArgv(paths, { memoryMb: 64 }).filter((a) => a.startsWith('--allow-fs-read=')).map((a) => a.slice('--allow-fs-read='.length));
    const beyond = reads.filter((p) => ![paths.workerMain, ...paths.readablePaths, paths.tempDir].includes(p));
    expect(beyond.sort()).toEqual([
      '/opt/package.json', '/opt/sb/dist/package.json', '/opt/sb/dist/processors/local/package.json',
      '/opt/sb/dist/processors/package.json', '/opt/sb/package.json', '/package.json',
      '/srv/functions/package.json', '/srv/package.json',
    ]);
  });

  it('never grants child processes, worker threads or addons', () => {
    const argv = buildExecArgv(paths, { memoryMb: 64 }).join(' ');
    expect(argv).not.toMatch(/--allow-(child-process|worker|addons|wasi)/);
  });

  it('refuses a path with a comma, which Node would split into two grants', () => {
    expect(() => buildExecArgv({ ...paths, readablePaths: ['/srv/functions/x,/etc'] }, { memoryMb: 64 })).toThrow(/comma/);
  });

  it('maps stack traces through source maps only when asked to (TypeScript functions)', () => {
    expect(buildExecArgv(paths, { memoryMb: 64 })).not.toContain('--enable-source-maps');
    expect(buildExecArgv(paths, { memoryMb: 64 }, { sourceMaps: true })).toContain('--enable-source-maps');
  });

  it("gives the worker exactly the manifest's env plus TMPDIR", () => {
    expect(buildWorkerEnv({ VCENTER_URL: 'https://vc' }, '/tmp/t')).toEqual({ VCENTER_URL: 'https://vc', TMPDIR: '/tmp/t' });
    expect(buildWorkerEnv({ TMPDIR: '/elsewhere' }, '/tmp/t')).toEqual({ TMPDIR: '/tmp/t' });
  });

  it('refuses NODE_OPTIONS in a manifest: it could lift the sandbox', () => {
    expect(() => buildWorkerEnv({ NODE_OPTIONS: '--allow-child-process' }, '/tmp/t')).toThrow(/NODE_OPTIONS/);
  });
});
