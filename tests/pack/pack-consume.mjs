#!/usr/bin/env node
// Issue 18's "installs and works on its own": packs @synack/core, network, inspector and cli,
// installs them outside the workspace with npm and with pnpm, with the user's own xstate at the
// lowest and the highest version of the peer range, and checks that
//   - a strict TypeScript consumer of core type-checks (consumer.ts: typed state values, the
//     machine assignable to the user's AnyActorLogic),
//   - the first js example of the core and network READMEs runs verbatim,
//   - the cli installed into a temporary global prefix runs `synack run lifecycle` and
//     `synack inspect lifecycle --exit-when-done`.
// The packages are not on a registry: each tarball's @synack/* dependencies are pointed at the
// sibling tarballs (file:), as a registry would resolve them. Needs the workspace built and the
// npm registry reachable (xstate and the runtime dependencies). Run: pnpm test:pack.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const here = new URL('.', import.meta.url).pathname;
const PNPM = ['-y', 'pnpm@12.4.2'];
const XSTATE_VERSIONS = [
  JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8')).peerDependencies.xstate.replace(
    '^',
    '',
  ),
  '5.33.3',
];
const PACKAGES = ['core', 'packetdrill', 'network', 'inspector', 'cli']; // dependency order
const work = mkdtempSync(join(tmpdir(), 'synack-pack-'));
let passed = 0;
let failed = 0;

function sh(cmd, args, cwd, env = {}) {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...env,
      npm_config_loglevel: 'error',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    },
    timeout: 180_000,
  });
}

function check(name, fn) {
  const start = performance.now();
  try {
    fn();
    passed++;
    console.log(`✓ ${name} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
  } catch (err) {
    failed++;
    const detail = [err.message, err.stdout, err.stderr].filter(Boolean).join('\n').slice(0, 3000);
    console.log(`✗ ${name}\n${detail.replace(/^/gm, '    ')}`);
  }
}

/** Packs every package and points its @synack/* dependencies at the sibling tarballs. */
function packAll() {
  const tarballs = {};
  for (const name of PACKAGES) {
    const out = join(work, `pack-${name}`);
    mkdirSync(out);
    sh('npx', [...PNPM, 'pack', '--ignore-scripts', '--pack-destination', out], join(root, 'packages', name));
    const packed = join(out, readdirSync(out)[0]);
    sh('tar', ['xzf', packed], out);
    const manifestPath = join(out, 'package', 'package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      const sibling = dep.replace('@synack/', '');
      if (dep.startsWith('@synack/')) manifest.dependencies[dep] = `file:${tarballs[sibling]}`;
    }
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    tarballs[name] = join(work, `synack-${name}.tgz`);
    sh('tar', ['czf', tarballs[name], 'package'], out);
  }
  return tarballs;
}

/** The first ```js block of a README. */
function readmeExample(pkg) {
  const text = readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8');
  const match = text.match(/```js\n([\s\S]*?)```/);
  if (!match) throw new Error(`no js example in packages/${pkg}/README.md`);
  return match[1];
}

function consumerProject(manager, xstate, tarballs) {
  const dir = join(work, `${manager}-xstate-${xstate}`);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  const specs = [
    `@synack/core@file:${tarballs.core}`,
    `@synack/network@file:${tarballs.network}`,
    `xstate@${xstate}`,
  ];
  if (manager === 'npm') sh('npm', ['install', ...specs], dir);
  else sh('npx', [...PNPM, 'add', ...specs], dir);
  return dir;
}

function consumerChecks(manager, xstate, tarballs) {
  let dir;
  check(`${manager}, xstate ${xstate}: installs core and network`, () => {
    dir = consumerProject(manager, xstate, tarballs);
  });
  if (!dir) return;
  check(`${manager}, xstate ${xstate}: one xstate copy`, () => {
    const copies = sh(
      'find',
      ['-L', 'node_modules', '-path', '*/xstate/package.json', '-not', '-path', '*/xstate/*/*'],
      dir,
    )
      .trim()
      .split('\n')
      .map((p) => JSON.parse(readFileSync(join(dir, p), 'utf8')).version);
    if (new Set(copies).size !== 1 || copies[0] !== xstate)
      throw new Error(`xstate versions installed: ${copies.join(', ')}`);
  });
  check(`${manager}, xstate ${xstate}: a strict TypeScript consumer type-checks`, () => {
    copyFileSync(join(here, 'consumer.ts'), join(dir, 'consumer.ts'));
    const tsconfig = {
      compilerOptions: {
        strict: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        noEmit: true,
        types: [],
        skipLibCheck: false,
      },
      files: ['consumer.ts'],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    // The workspace's TypeScript (the version the packages are built with), on the consumer's files.
    sh(join(root, 'node_modules/.bin/tsc'), ['-p', '.'], dir);
  });
  for (const pkg of ['core', 'network']) {
    check(`${manager}, xstate ${xstate}: the ${pkg} README example runs verbatim`, () => {
      writeFileSync(join(dir, `${pkg}-example.mjs`), readmeExample(pkg));
      const out = sh('node', [`${pkg}-example.mjs`], dir);
      if (out.trim() === '') throw new Error('no output');
    });
  }
}

function globalCliChecks(tarballs) {
  const prefix = join(work, 'global');
  const bin = join(prefix, 'bin', 'synack');
  check('npm install -g (temporary prefix): the four tarballs', () => {
    sh('npm', ['install', '-g', '--prefix', prefix, tarballs.cli], work);
    // Recorded in the root README ("Install size"); printed so CI logs show it.
    console.log(
      `  global install size: ${sh('du', ['-sh', '--apparent-size', prefix], work).split('\t')[0]}`,
    );
    const modules = join(prefix, 'lib/node_modules/@synack/cli/node_modules');
    const heavy = ['@resvg', 'vega', 'elkjs', '@statelyai', 'superjson', 'xstate'].map((name) =>
      join(modules, name),
    );
    const sizes = sh(
      'du',
      ['-sh', '--apparent-size', '-c', ...heavy.filter((path) => existsSync(path))],
      work,
    );
    console.log(sizes.trim().replace(/^/gm, '    ').replaceAll(`${modules}/`, ''));
  });
  check('global synack run lifecycle', () => {
    const out = sh(bin, ['run', 'lifecycle', '--no-color'], work);
    if (!/run completed/.test(out)) throw new Error(out);
  });
  check('global synack inspect lifecycle --exit-when-done', () => {
    sh(bin, ['inspect', 'lifecycle', '--exit-when-done', '--speed', '1000', '--hold', '0'], work);
  });
}

try {
  const tarballs = packAll();
  globalCliChecks(tarballs);
  for (const manager of ['npm', 'pnpm'])
    for (const xstate of XSTATE_VERSIONS) consumerChecks(manager, xstate, tarballs);
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
