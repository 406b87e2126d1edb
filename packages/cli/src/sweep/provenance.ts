/**
 * Where a sweep's numbers came from (issue 22 item 6), for config.json and summary.json: the
 * synack version, the git commit when run from a checkout, Node, the lockfile's hash and the
 * resolved profile constants. Read once per sweep, outside the simulation path.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getProfile } from '@synack/core';
import type { Scenario } from '../scenarios.js';

export interface Provenance {
  synackVersion: string;
  /** HEAD of the checkout the cli runs from, with "-dirty" when tracked files differ; null outside git. */
  gitCommit: string | null;
  nodeVersion: string;
  /** sha256 of the pnpm-lock.yaml above the package (null when installed without it). */
  lockfileSha256: string | null;
  /** Every profile the sweep uses, all constants resolved (scenario overrides applied). */
  profiles: Record<string, unknown>;
}

const HERE = dirname(fileURLToPath(import.meta.url));

function packageVersion(): string {
  try {
    const text = readFileSync(join(HERE, '../../package.json'), 'utf8');
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: HERE, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
      .toString('utf8')
      .trim();
  } catch {
    return null;
  }
}

function gitCommit(): string | null {
  const head = git(['rev-parse', 'HEAD']);
  if (!head || !/^[0-9a-f]{40}$/.test(head)) return null;
  // `git diff --quiet` exits 1 when tracked files differ: execFileSync throws, git() returns null.
  const clean = git(['diff', '--quiet', 'HEAD', '--']) !== null;
  return clean ? head : `${head}-dirty`;
}

function lockfileHash(): string | null {
  for (let dir = HERE; ; dir = dirname(dir)) {
    const path = join(dir, 'pnpm-lock.yaml');
    if (existsSync(path)) return createHash('sha256').update(readFileSync(path)).digest('hex');
    if (dirname(dir) === dir) return null;
  }
}

export function sweepProvenance(scenario: Scenario, profileNames: readonly string[]): Provenance {
  const overrides = scenario.endpoints[0]?.profileOverrides ?? {};
  const profiles: Record<string, unknown> = {};
  for (const name of profileNames) profiles[name] = getProfile(name, overrides);
  return {
    synackVersion: packageVersion(),
    gitCommit: gitCommit(),
    nodeVersion: process.version,
    lockfileSha256: lockfileHash(),
    profiles,
  };
}
