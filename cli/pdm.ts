#!/usr/bin/env node
// Entry point of the `pdm` bin; everything testable lives in ./main.ts.
import { describeError } from '../common/errors.ts';
import { main } from './main.ts';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pdm: ${describeError(err)}\n`);
    process.exitCode = 1;
  },
);
