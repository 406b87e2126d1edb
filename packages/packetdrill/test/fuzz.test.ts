/**
 * fast-check properties: parseScript never throws and always answers with a script or one error
 * with a sensible position — on random text, random bytes, token soup, and mutated conformance
 * scripts — and checkSupported and the printer never throw on what parses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScript } from '../src/parser.js';
import { formatScript } from '../src/printer.js';
import { checkSupported } from '../src/support.js';

const conformance = resolve(import.meta.dirname, '../../../conformance');
const corpus = readdirSync(conformance)
  .filter((f) => f.endsWith('.pkt'))
  .map((f) => readFileSync(join(conformance, f), 'utf8'));

const VOCABULARY = [
  ' ',
  '\n',
  '+',
  '0',
  '.1',
  '1',
  '-1',
  '0x1f',
  '...',
  '~',
  '*',
  '<',
  '>',
  'S',
  'S.',
  '.',
  'F.',
  'R',
  'P.',
  '-',
  '0:0(0)',
  '1:1001(1000)',
  'ack',
  'win',
  '65535',
  '<mss 1460>',
  '<...>',
  'nop',
  ',',
  'sackOK',
  'TS val 1 ecr 0',
  'sack 1:2',
  'socket',
  'close',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '=',
  '|',
  '"s"',
  '`cmd`',
  '%{ assert tcpi_state == 1 }%',
  '--mss=1000',
  '// c',
  '/* c */',
  'icmp',
  'udp',
  'EINPROGRESS',
  'fd=3',
  'htons(80)',
  '[ect0]',
  '(tos 0x1)',
];

/** Checks the contract of one answer, and that the rest of the API copes with it (a throw fails the property). */
function checkAnswer(text: string): void {
  const result = parseScript(text, { defines: { FD: '3', BAD: '"' } });
  if (result.ok) {
    checkSupported(result.script);
    formatScript(result.script);
    return;
  }
  const lines = text.split('\n').length;
  expect(result.error.message).not.toMatch(/internal parser error/);
  expect(result.error.message.length).toBeGreaterThan(0);
  expect(result.error.line).toBeGreaterThanOrEqual(1);
  expect(result.error.line).toBeLessThanOrEqual(lines);
  expect(result.error.column).toBeGreaterThanOrEqual(1);
}

/** One edit of a script: delete, insert or replace a slice, or duplicate or drop a line. */
const mutation = fc.tuple(fc.nat(), fc.nat(5), fc.constantFrom(...VOCABULARY), fc.nat(4));
function mutate(text: string, [at, kind, word, span]: [number, number, string, number]): string {
  const i = at % (text.length + 1);
  const lines = text.split('\n');
  const l = at % lines.length;
  switch (kind) {
    case 0:
      return text.slice(0, i) + text.slice(i + span + 1);
    case 1:
      return text.slice(0, i) + word + text.slice(i);
    case 2:
      return text.slice(0, i) + word + text.slice(i + span + 1);
    case 3:
      return [...lines.slice(0, l), lines[l], ...lines.slice(l)].join('\n');
    default:
      return [...lines.slice(0, l), ...lines.slice(l + 1)].join('\n');
  }
}

describe('parseScript never throws', () => {
  it('on random text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400, unit: 'grapheme' }), checkAnswer), { numRuns: 400 });
  });

  it('on random bytes read as UTF-8 and as Latin-1', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        checkAnswer(Buffer.from(bytes).toString('utf8'));
        checkAnswer(Buffer.from(bytes).toString('latin1'));
      }),
      { numRuns: 400 },
    );
  });

  it('on token soup', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 60 }), (words) =>
        checkAnswer(words.join(' ')),
      ),
      {
        numRuns: 400,
      },
    );
  });

  it('on mutated conformance scripts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...corpus),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (script, edits) => checkAnswer(edits.reduce(mutate, script)),
      ),
      { numRuns: 600 },
    );
  });

  it('on deep nesting and long inputs', () => {
    checkAnswer(`0 f(${'{['.repeat(20_000)}) = 0`);
    checkAnswer(`0 close(3) = 0 ${'('.repeat(50_000)}`);
    checkAnswer(`${'+0 > . 1:1(0) ack 1\n'.repeat(5000)}`);
  });
});
