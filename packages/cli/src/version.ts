import { readFileSync } from 'node:fs';

/** The installed @synack/cli version, read from its package.json (no other module needed). */
export function synackVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
