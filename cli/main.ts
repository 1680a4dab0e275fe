#!/usr/bin/env node
import { runCli } from './commands';

runCli(process.argv.slice(2), { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') })
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    // Anything reaching here is a bug in the CLI, not bad input: show it plainly so it can be reported.
    process.stderr.write(`Internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  });
