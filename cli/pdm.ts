#!/usr/bin/env node
// Entry point of the `pdm` bin; everything testable lives in ./main.ts.
import { describeError } from '../common/errors.ts';
import { main } from './main.ts';

// Exit once the command is done (after stdout drains): client libraries (OPC UA, Kafka) can keep
// timers alive after a clean shutdown, and a finished command must not hang.
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  process.stderr.write(`pdm: ${describeError(err)}\n`);
  exit(1);
});
