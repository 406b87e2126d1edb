/**
 * Fitting text to a terminal's width (issue 21 item 6): how many columns a (possibly coloured)
 * string takes, and word wrapping that never cuts an ASCII word or number and breaks Chinese
 * text between characters (a wide character is two columns, ladder-text.ts displayWidth).
 */
import { stripVTControlCharacters } from 'node:util';
import { InvalidArgumentError } from 'commander';
import { displayWidth } from './ladder-text.js';

/** Bounds of --width: narrower than 40 columns no lane fits; wider than 1000 is no terminal. */
export const WIDTH_BOUNDS = { min: 40, max: 1000 } as const;

/** The width --compact uses when neither a terminal nor --width gives one. */
export const DEFAULT_COMPACT_WIDTH = 80;

/** `--width <n>`: an integer number of columns within {@link WIDTH_BOUNDS}. */
export function widthArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < WIDTH_BOUNDS.min || n > WIDTH_BOUNDS.max) {
    throw new InvalidArgumentError(
      `must be an integer number of columns in [${WIDTH_BOUNDS.min}, ${WIDTH_BOUNDS.max}], got "${value}"`,
    );
  }
  return n;
}

/** Columns `text` takes in a terminal, colour codes left out. */
export function visibleWidth(text: string): number {
  return displayWidth(stripVTControlCharacters(text));
}

/** The widest line of `text`, in columns. */
export function widestLine(text: string): number {
  return Math.max(0, ...text.split('\n').map(visibleWidth));
}

/**
 * Breakable pieces of `text`: runs of narrow non-space characters (a word, a number, `seq=1`),
 * single wide characters (a Chinese character may end a line), and runs of spaces.
 */
function tokens(text: string): string[] {
  const out: string[] = [];
  let word = '';
  const flush = () => {
    if (word) out.push(word);
    word = '';
  };
  for (const ch of text) {
    if (ch === ' ') {
      if (!word.startsWith(' ')) flush();
      word += ch;
    } else if (displayWidth(ch) > 1) {
      flush();
      out.push(ch);
    } else {
      if (word.startsWith(' ')) flush();
      word += ch;
    }
  }
  flush();
  return out;
}

/**
 * `text` (no colour codes) in lines of at most `width` columns: breaks at spaces and between
 * wide characters; a word longer than a line is cut (only a very narrow column asks for that).
 */
export function wrapToWidth(text: string, width: number): string[] {
  const limit = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  for (const token of tokens(text)) {
    if (displayWidth(line + token) <= limit) {
      line += token;
      continue;
    }
    if (line.trim()) lines.push(line.trimEnd());
    line = token.startsWith(' ') ? '' : token;
    while (displayWidth(line) > limit) {
      const [head, rest] = cutAt(line, limit);
      lines.push(head);
      line = rest;
    }
  }
  if (line.trim() || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}

/** `text` split after at most `width` columns. */
function cutAt(text: string, width: number): [string, string] {
  let head = '';
  for (const ch of text) {
    if (displayWidth(head + ch) > width) break;
    head += ch;
  }
  return [head, text.slice(head.length)];
}

/**
 * Every line of `text` at most `width` columns: a longer line is wrapped, its continuation lines
 * indented by `indent` spaces (colour is dropped from a line that had to be wrapped).
 */
export function fitLines(text: string, width: number, indent = 0): string {
  const trailingNewline = text.endsWith('\n');
  const body = trailingNewline ? text.slice(0, -1) : text;
  const out = body.split('\n').flatMap((line) => {
    if (visibleWidth(line) <= width) return [line];
    const [first, ...rest] = wrapToWidth(stripVTControlCharacters(line), width);
    const pad = ' '.repeat(Math.min(indent, Math.floor(width / 2)));
    return [first, ...rest.flatMap((r) => wrapToWidth(r, width - pad.length).map((l) => pad + l))];
  });
  return `${out.join('\n')}${trailingNewline ? '\n' : ''}`;
}
