#!/usr/bin/env node
/** Process entry: runs the CLI with the real stdout/stderr and exits with its status. */
import { main } from './main.js';

main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
}).then((code) => {
  process.exitCode = code;
});
