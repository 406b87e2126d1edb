/**
 * The exit codes of `synack`, one fact in one place (every --help lists them; the table test in
 * test/exit-codes.test.ts pins one row per path through the real binary).
 */

/** Success: the run (or every run) completed and met its expectations. */
export const EXIT_OK = 0;
/**
 * Something ran and failed: a run failed or missed an expectation, an output file could not be
 * written after the run, a run went over its memory budget, or synack hit an internal error.
 */
export const EXIT_FAILED = 1;
/** Bad input or environment (flag, scenario, unwritable output path): nothing was run. */
export const EXIT_USAGE = 2;
/** Interrupted by Ctrl-C (SIGINT), as a shell reports a process killed by it (128 + 2). */
export const EXIT_INTERRUPTED = 130;
