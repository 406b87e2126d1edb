import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The README's example must run as written (against the built package, by its own name) and print
// what the README says it prints.
describe('README', () => {
  it('the handshake-and-close example runs and prints the documented output', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    const shown = /```text\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    const file = new URL('../readme-example.tmp.mjs', import.meta.url);
    writeFileSync(file, code!);
    try {
      const output = execFileSync(process.execPath, [file.pathname], { encoding: 'utf8' });
      expect(output).toBe(shown);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
