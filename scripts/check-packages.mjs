#!/usr/bin/env node
// Packs every published package the way a release would (pnpm pack: workspace:* becomes a real
// version range, prepack builds) and lints each tarball with publint (package.json fields, files)
// and @arethetypeswrong/cli (types resolve for ESM consumers). Exit 1 if either reports a problem.
// Run after `pnpm build`; CI runs it as `pnpm check:packages`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PUBLISHED_PACKAGES = ['core', 'network', 'inspector', 'cli', 'packetdrill'];
const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });

const destination = mkdtempSync(join(tmpdir(), 'synack-check-packages-'));
let failed = false;
try {
  for (const name of PUBLISHED_PACKAGES) {
    const dir = join(root, 'packages', name);
    const before = new Set(readdirSync(destination));
    // --ignore-scripts: the workspace is already built; prepack would rebuild each package.
    run('npx', ['-y', 'pnpm@12.4.2', 'pack', '--ignore-scripts', '--pack-destination', destination], dir);
    const tarball = readdirSync(destination).find((file) => !before.has(file));
    if (!tarball) throw new Error(`pnpm pack wrote no tarball for ${name}`);
    console.log(`\n== @synack/${name} (${tarball})`);
    try {
      run(bin('publint'), ['run', join(destination, tarball), '--strict'], root);
      // esm-only: the packages are ESM-only by design ("type": "module", no require condition).
      run(bin('attw'), [join(destination, tarball), '--profile', 'esm-only', '--no-emoji'], root);
    } catch {
      failed = true;
    }
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
