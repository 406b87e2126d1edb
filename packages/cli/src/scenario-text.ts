/**
 * Reading a scenario's text safely: a size cap on every read (a path such as /dev/zero, or a
 * stdin that never ends, must not fill memory), and the checks JSON.parse does not make but
 * YAML's parser does — a key given twice in one object, and an integer literal beyond 2^53 that
 * would silently become a different number (9007199254740993 reads as ...992).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { LIMITS } from '@synack/network';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

/** A problem with the text itself; the caller prefixes the source and makes it an input error. */
export class ScenarioTextError extends Error {}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Reads all of `fd`, up to LIMITS.scenarioBytes; longer input is an error, never buffered whole. */
export function readCapped(fd: number): string {
  const cap = LIMITS.scenarioBytes;
  const buffer = Buffer.alloc(cap + 1);
  let total = 0;
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, total, buffer.length - total, null);
    } catch (err) {
      // A non-blocking stdin with nothing yet: wait a little (not on any simulation path).
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(sleeper, 0, 0, 10);
      continue;
    }
    if (n === 0) break;
    total += n;
    if (total > cap) throw new ScenarioTextError(`larger than ${cap} bytes (the limit of a scenario)`);
  }
  return buffer.toString('utf8', 0, total);
}

/** readCapped on a path (opened and closed here). */
export function readCappedFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    return readCapped(fd);
  } finally {
    closeSync(fd);
  }
}

const INTEGER = /^-?\d+$/;

function checkInteger(literal: string, where: string): void {
  if (INTEGER.test(literal) && !Number.isSafeInteger(Number(literal))) {
    throw new ScenarioTextError(
      `${where}: ${literal.length > 40 ? `${literal.slice(0, 40)}…` : literal} is beyond 2^53 and cannot be represented exactly (no field allows such a value)`,
    );
  }
}

/**
 * Scans JSON text that JSON.parse has already accepted, for a key repeated in one object and for
 * integer literals beyond 2^53. A single pass with a stack of the open objects' keys.
 */
export function checkJsonText(text: string): void {
  const stack: Array<Set<string> | null> = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (ch === '{') stack.push(new Set());
    else if (ch === '[') stack.push(null);
    else if (ch === '}' || ch === ']') stack.pop();
    else if (ch === '"') {
      const end = stringEnd(text, i);
      const keys = stack.at(-1);
      if (keys && /^\s*:/.test(text.slice(end, end + 64))) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (keys.has(key)) {
          throw new ScenarioTextError(
            `line ${line}: key ${JSON.stringify(key)} is given twice in one object`,
          );
        }
        keys.add(key);
      }
      i = end;
      continue;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const literal = /^-?[\d.eE+-]+/.exec(text.slice(i, i + 400))?.[0] ?? ch;
      checkInteger(literal, `line ${line}`);
      i += literal.length;
      continue;
    }
    i++;
  }
}

/** The index just past the closing quote of the JSON string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

/**
 * Parses YAML (or JSON through YAML) with integers read as BigInt, so one beyond 2^53 is caught
 * before it becomes a different number; duplicate keys are an error (yaml's uniqueKeys default).
 * Throws the parser's own error for malformed text, ScenarioTextError for a huge integer.
 */
export function parseYamlChecked(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, intAsBigInt: true });
  if (doc.errors.length > 0) throw doc.errors[0];
  checkYamlIntegers(doc.contents, '(root)');
  // yaml's default alias limit (100) keeps a "billion laughs" document from expanding.
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

/** Checks every integer scalar, then turns it back into a number (safe now) for the schema. */
function checkYamlIntegers(node: unknown, where: string): void {
  if (isScalar(node)) {
    if (typeof node.value === 'bigint') {
      checkInteger(String(node.value), where);
      node.value = Number(node.value);
    }
    return;
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '?';
      const path = where === '(root)' ? key : `${where}.${key}`;
      checkYamlIntegers(pair.key, path);
      checkYamlIntegers(pair.value, path);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      checkYamlIntegers(item, `${where}[${index}]`);
    });
  }
}
