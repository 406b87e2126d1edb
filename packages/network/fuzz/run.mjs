#!/usr/bin/env node
/**
 * The long fuzz run: the properties of packages/network/test/fuzz.test.ts with fresh random
 * seeds for a time budget, printing every failure as a minimal scenario file for
 * `synack run FILE`.
 *
 *   node packages/network/fuzz/run.mjs --minutes 5 [--seed N] [--out DIR] [--no-workers]
 *
 * Exit 0 when nothing failed, 1 when a property failed (scenario files in --out), 2 for bad
 * arguments. Needs the build (`pnpm build`): worker threads run packages/network/dist.
 * The TypeScript helpers run through vitest (programmatically), as in the test suite.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function usage(message) {
  process.stderr.write(
    `fuzz: ${message}\nusage: node packages/network/fuzz/run.mjs --minutes N [--seed N] [--out DIR] [--no-workers]\n`,
  );
  process.exit(2);
}

const args = process.argv.slice(2);
const options = {
  minutes: 5,
  seed: Math.floor(Math.random() * 0x7fff_ffff),
  out: join(root, 'test-results', 'fuzz'),
  workers: true,
};
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const [flag, inline] = arg.split('=', 2);
  const value = () => {
    const v = inline ?? args[++i];
    if (v === undefined) usage(`${flag} needs a value`);
    return v;
  };
  if (flag === '--minutes') {
    options.minutes = Number(value());
    if (!(options.minutes > 0 && Number.isFinite(options.minutes)))
      usage('--minutes must be a positive number');
  } else if (flag === '--seed') {
    options.seed = Number(value());
    if (!Number.isSafeInteger(options.seed) || options.seed < 0)
      usage('--seed must be a non-negative integer');
  } else if (flag === '--out') {
    options.out = resolve(value());
  } else if (flag === '--no-workers') {
    options.workers = false;
  } else if (flag === '--help' || flag === '-h') {
    usage('the long fuzz run');
  } else {
    usage(`unknown argument "${arg}"`);
  }
}
if (options.workers && !existsSync(join(root, 'dist', 'worker.js'))) {
  usage('packages/network is not built (run `npx -y pnpm@12.4.2 build` first), or pass --no-workers');
}

rmSync(join(options.out, 'summary.json'), { force: true });
process.stderr.write(
  `fuzz: ${options.minutes} min, seed ${options.seed}, failures to ${options.out}${options.workers ? '' : ', no worker threads'}\n`,
);
Object.assign(process.env, {
  SYNACK_FUZZ_MINUTES: String(options.minutes),
  SYNACK_FUZZ_SEED: String(options.seed),
  SYNACK_FUZZ_OUT: options.out,
  SYNACK_FUZZ_WORKERS: options.workers ? '1' : '0',
});

const { startVitest } = await import('vitest/node');
const vitest = await startVitest('test', [], {
  root,
  include: ['test/fuzz/long-run.ts'],
  watch: false,
  reporters: ['dot'],
  testTimeout: 0,
  outputFile: {},
});
await vitest?.close();

const summaryPath = join(options.out, 'summary.json');
if (!existsSync(summaryPath)) {
  process.stderr.write('fuzz: the run ended without a summary (see the vitest output above)\n');
  process.exit(1);
}
const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
const total = Object.values(summary.counts).reduce((a, b) => a + b, 0);
process.stdout.write(
  `\nfuzz: ${total} cases in ${(summary.elapsedMs / 60_000).toFixed(1)} min (${Object.entries(summary.counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}), seeds ${summary.baseSeed}…\n`,
);
for (const failure of summary.failures) {
  process.stdout.write(`\n✗ ${failure.property} (seed ${failure.seed}): ${failure.violations[0]}\n`);
  process.stdout.write(`  scenario file: ${failure.file} — replay with \`synack run ${failure.file}\`\n`);
  process.stdout.write(readFileSync(failure.file, 'utf8'));
}
process.stdout.write(
  summary.failures.length ? `\nfuzz: ${summary.failures.length} distinct failure(s)\n` : 'fuzz: no failure\n',
);
process.exit(summary.failures.length ? 1 : 0);
