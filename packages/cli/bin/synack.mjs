#!/usr/bin/env node
// Checked-in launcher so package managers can link the `synack` bin before the first build.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'synack: not built yet — run `npx -y pnpm@12.4.2 build` in the repository root first\n',
  );
  process.exit(2);
}
await import(entry.href);
