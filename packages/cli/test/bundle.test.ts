/**
 * @synack/network inside an application bundle (issue 18): the coordinator starts its endpoint
 * workers from `new URL('./worker.js', import.meta.url)`, so an ESM bundle works when the package's
 * `@synack/network/worker` entry is bundled as `worker.js` next to the application — the recipe
 * in packages/network/README.md ("Bundling"). This test follows that recipe with esbuild and
 * runs the result from a directory with no node_modules, then checks a bundle without the worker
 * entry fails with a clear error (so the recipe is what makes it work).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_DIR } from './helpers.js';

const APP = `import { runSimulation } from '@synack/network';
const result = await runSimulation({
  seed: 7,
  endpoints: [
    { id: 'client', actions: [{ at: 0, do: 'connect', to: 'server', port: 80 }],
      reactions: [{ on: 'connected', do: 'close', after: 100 }] },
    { id: 'server', actions: [{ at: 0, do: 'listen', port: 80 }],
      reactions: [{ on: 'peer-closed', do: 'close' }] },
  ],
});
console.log(JSON.stringify({ ok: result.ok, error: result.error, final: result.summary.final }));
`;

const work = mkdtempSync(join(tmpdir(), 'synack-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function bundle(outdir: string, withWorker: boolean): Promise<void> {
  const source = join(CLI_DIR, 'test', `.bundle-app-${process.pid}.mjs`);
  writeFileSync(source, APP); // inside the workspace, so '@synack/network' resolves
  try {
    await build({
      entryPoints: withWorker ? { app: source, worker: '@synack/network/worker' } : { app: source },
      outdir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      entryNames: '[name]',
      logLevel: 'silent',
    });
  } finally {
    rmSync(source, { force: true });
  }
  writeFileSync(join(outdir, 'package.json'), '{ "type": "module" }\n');
}

function runApp(outdir: string): { status: number | null; stderr: string; output: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [join(outdir, 'app.js')], {
    cwd: work,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr, output: r.status === 0 ? JSON.parse(r.stdout) : {} };
}

describe('@synack/network bundled with esbuild', () => {
  it('runs from the bundle alone when the worker entry is bundled next to it', async () => {
    const outdir = join(work, 'with-worker');
    await bundle(outdir, true);
    const r = runApp(outdir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.output).toEqual({ ok: true, final: { client: ['CLOSED'], server: ['CLOSED'] } });
  }, 60_000);

  it('without the worker entry the run fails (result.ok false) naming the missing worker file', async () => {
    const outdir = join(work, 'without-worker');
    await bundle(outdir, false);
    const r = runApp(outdir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.output.ok).toBe(false);
    expect(r.output.error).toMatch(/Cannot find module '.*worker\.js'/);
  }, 60_000);
});
