#!/usr/bin/env node
// Lists functions (declarations, methods, arrows, function expressions) in packages/*/src longer
// than a limit (default 80 lines). Exit 1 when any is found, unless its first line carries
// `// long: table` (a table-like function, allowed by the engineering rules).
// Usage: node scripts/long-functions.mjs [--max N] [dir…]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const require = createRequire(import.meta.url);
const ts = require(require.resolve('typescript', { paths: [join(process.cwd(), 'packages/core')] }));
const args = process.argv.slice(2);
let max = 80;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--max') max = Number(args[++i]);
  else dirs.push(args[i]);
}
if (dirs.length === 0) for (const p of readdirSync('packages')) dirs.push(join('packages', p, 'src'));

function* files(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts)$/.test(p) && !p.endsWith('.d.ts')) yield p;
  }
}
const found = [];
for (const dir of dirs) {
  for (const file of files(dir)) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.end).line;
        const lines = end - start + 1;
        const firstLine = text.split('\n')[start] ?? '';
        const prevLine = text.split('\n')[start - 1] ?? '';
        if (lines > max && !/long: table/.test(firstLine + prevLine)) {
          const name =
            node.name?.getText(sf) ??
            (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(sf) : '(anonymous)');
          found.push({ file: relative(process.cwd(), file), line: start + 1, name, lines });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
}
found.sort((a, b) => b.lines - a.lines);
for (const f of found) console.log(`${f.lines}\t${f.file}:${f.line}\t${f.name}`);
process.exit(found.length > 0 ? 1 : 0);
