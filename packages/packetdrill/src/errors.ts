import type { ScriptError, SourcePos } from './ast.js';

/** Thrown inside the lexer and parser only; parseScript turns it into a ScriptError and never throws. */
export class ScriptSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(at: SourcePos, message: string) {
    super(message);
    this.name = 'ScriptSyntaxError';
    this.line = at.line;
    this.column = at.column;
  }
}

/** `FILE:LINE:COLUMN: MESSAGE`, one line, the way compilers and packetdrill name the failing line. */
export function formatScriptError(file: string, error: ScriptError): string {
  return `${file}:${error.line}:${error.column}: ${error.message}`;
}
