/**
 * The architecture refactor (issue 12) promised byte-identical traces for every built-in scenario:
 * golden-traces.json holds the SHA-256 of `synack run NAME --format jsonl --profile P --seed 7`
 * as produced before the refactor. A behaviour change that alters a trace on purpose updates the
 * file in the same commit (regenerate with `SYNACK_UPDATE_GOLDEN=1`), and says why.
 * The stream's first line, `kind: "meta"` (schema and synack versions, configuration hash), is
 * left out of the hash: it names the synack version, which changes without the trace changing.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_DIR, SCENARIO_NAMES, synack } from './helpers.js';

const GOLDEN_FILE = join(CLI_DIR, 'test/golden-traces.json');
const golden: Record<string, string> = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8'));
const update = process.env.SYNACK_UPDATE_GOLDEN === '1';

describe('built-in scenario traces are byte-identical to the recorded ones', () => {
  for (const name of SCENARIO_NAMES) {
    for (const profile of ['linux', 'rfc9293'] as const) {
      const key = `${name}.${profile}`;
      it(key, async () => {
        const result = await synack(['run', name, '--format', 'jsonl', '--profile', profile, '--seed', '7']);
        expect(result.stdout.length).toBeGreaterThan(0);
        const lines = result.stdout.split('\n');
        expect(JSON.parse(lines[0]).kind, 'the first line is the meta line').toBe('meta');
        const hash = createHash('sha256').update(lines.slice(1).join('\n')).digest('hex');
        if (update) {
          golden[key] = hash;
          writeFileSync(GOLDEN_FILE, `${JSON.stringify(golden, Object.keys(golden).sort(), 2)}\n`);
          return;
        }
        expect(hash, `trace of ${key} changed`).toBe(golden[key]);
      });
    }
  }
});
