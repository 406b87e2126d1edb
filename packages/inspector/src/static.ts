/**
 * The page's static files, served from a fixed allow-list: a request path is
 * looked up verbatim (no decoding, no normalisation, no file-system lookup), so
 * `/../package.json`, `/%2e%2e/…` or `/public/../../…` simply are not in the
 * table and get a 404. The files are read once, at startup.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/** URL path → file in public/ and its content type. */
const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = Object.freeze({
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/model.js': { file: 'model.js', type: 'text/javascript; charset=utf-8' },
  '/statechart.js': { file: 'statechart.js', type: 'text/javascript; charset=utf-8' },
  '/ladder.js': { file: 'ladder.js', type: 'text/javascript; charset=utf-8' },
  '/cwnd-plot.js': { file: 'cwnd-plot.js', type: 'text/javascript; charset=utf-8' },
  '/deep-link.js': { file: 'deep-link.js', type: 'text/javascript; charset=utf-8' },
  '/event-list.js': { file: 'event-list.js', type: 'text/javascript; charset=utf-8' },
  '/groups.js': { file: 'groups.js', type: 'text/javascript; charset=utf-8' },
  '/export.js': { file: 'export.js', type: 'text/javascript; charset=utf-8' },
  '/narration.js': { file: 'narration.js', type: 'text/javascript; charset=utf-8' },
  '/lazy-select.js': { file: 'lazy-select.js', type: 'text/javascript; charset=utf-8' },
  '/state-histogram.js': { file: 'state-histogram.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
});

export interface StaticFile {
  body: Buffer;
  type: string;
}

/** Reads every allow-listed file into memory. */
export function loadStaticFiles(dir = PUBLIC_DIR): Map<string, StaticFile> {
  const cache = new Map<string, Buffer>();
  const out = new Map<string, StaticFile>();
  for (const [path, { file, type }] of Object.entries(STATIC_FILES)) {
    let body = cache.get(file);
    if (!body) {
      body = readFileSync(join(dir, file));
      cache.set(file, body);
    }
    out.set(path, { body, type });
  }
  return out;
}
