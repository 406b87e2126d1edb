#!/usr/bin/env node
// CI's kernel-diff step (.ci/run): `synack kernel-diff` for every built-in scenario — the 7 with a
// kernel equivalent run on the kernel, the 7 without must say why (exit 2). Needs root, ip netns, nft and tshark; without
// them it says so and exits 0 (nothing to check here). Build first.
//
// Fails (exit 1) when a scenario that has a kernel equivalent could not run on the kernel (exit 2 or a
// crash), when a scenario without one does not exit 2, or when one of MUST_AGREE diverges. The other
// scenarios' divergences are printed, and recorded in CONFORMANCE.md with their reasons
// (node scripts/conformance-report.mjs --kernel-diff), but are not a CI failure.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'packages/cli/dist/bin.js');

const KERNEL_SCENARIOS = [
  'handshake',
  'lifecycle',
  'half-close',
  'lost-syn',
  'lost-synack',
  'lost-final-ack',
  'rst-abort',
];
/** Each must exit 2 and say why (random faults, raw segments, floods, restarts, crossing segments). */
const NO_EQUIVALENT = [
  'simultaneous-open',
  'simultaneous-close',
  'old-duplicate-syn',
  'half-open',
  'half-open-keepalive',
  'syn-flood',
  'syn-cookies',
  'lossy-transfer',
];
/** Issue 15's "done when": these must agree with the kernel. */
const MUST_AGREE = ['lost-final-ack'];

const probe = spawnSync(
  'sh',
  [
    '-c',
    'id -u && command -v nft && command -v tshark && ip netns add synack-ci-probe && ip netns del synack-ci-probe',
  ],
  {
    encoding: 'utf8',
  },
);
if (probe.status !== 0 || probe.stdout.split('\n')[0] !== '0') {
  console.log('kernel-diff: skipped (needs root, ip netns, nft and tshark)');
  process.exit(0);
}

let failures = 0;
for (const name of [...KERNEL_SCENARIOS, ...NO_EQUIVALENT]) {
  const r = spawnSync(process.execPath, [bin, 'kernel-diff', name], { encoding: 'utf8', timeout: 300_000 });
  const last = (r.status === 2 ? r.stderr : r.stdout).trim().split('\n').at(-1) ?? '';
  const expected = NO_EQUIVALENT.includes(name) ? [2] : MUST_AGREE.includes(name) ? [0] : [0, 1];
  const ok = expected.includes(r.status ?? -1);
  if (!ok) {
    failures++;
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
  }
  console.log(`${ok ? '✓' : '✗'} kernel-diff ${name}: exit ${r.status} — ${last}`);
}
console.log(
  `kernel-diff: ${KERNEL_SCENARIOS.length + NO_EQUIVALENT.length - failures} as expected, ${failures} not`,
);
process.exit(failures > 0 ? 1 : 0);
