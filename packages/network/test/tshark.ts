/** Runs tshark for the pcap tests, with the install hint when it is missing. */
import { execFileSync } from 'node:child_process';

const TSHARK_MISSING =
  'tshark is required for the pcap integration tests but was not found on PATH; ' +
  'install it with `apt-get install -y tshark` (Debian/Ubuntu), then re-run';

/** Runs tshark, returning stdout. stderr (e.g. the "Running as user root" warning) is captured and dropped. */
export function tshark(args: string[]): string {
  try {
    return execFileSync('tshark', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 24,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(TSHARK_MISSING);
    throw new Error(`tshark ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}

/** One row per frame of `file`: the given fields, tab-separated by tshark, split. */
export function tsharkFields(file: string, fields: readonly string[], filter?: string): string[][] {
  const out = tshark([
    '-r',
    file,
    '-n',
    ...(filter ? ['-Y', filter] : []),
    '-T',
    'fields',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}
