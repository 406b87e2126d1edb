// `synack --version` answers from package.json alone: loading the commands (workers, zod
// schemas, the explain catalogue …) takes most of a second, and scripts call --version often.
import { debugRequested, internalErrorText, toleratedRejection, withoutDebugFlag } from './internal-error.js';
import { synackVersion } from './version.js';

const args = process.argv.slice(2);
const debug = debugRequested(args, process.env);
// Any error that reaches here is a bug: one line asking for a report (internal-error.ts), exit 1.
const crash = (err: unknown) => {
  process.stderr.write(internalErrorText(err, debug));
  process.exit(1);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', (err) => {
  if (!toleratedRejection(err)) crash(err);
});

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${synackVersion()}\n`);
} else {
  // A reader that stops early (`synack run … | head`) is not an error. Any other failure to write
  // the output (`> /dev/full`) is the environment's, not a bug: one line, exit 1 (it ran, its
  // output is lost).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      if (stream === process.stdout)
        process.stderr.write(`synack: cannot write the output (${err.code ?? err.message})\n`);
      process.exit(1);
    });
  }
  const { main } = await import('./main.js');
  main([...process.argv.slice(0, 2), ...withoutDebugFlag(args)]).then((code) => {
    process.exitCode = code;
  }, crash);
}
