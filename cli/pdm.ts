#!/usr/bin/env node
// Entry point of the `pdm` bin; everything testable lives in ./main.ts.
import { enableCompileCache } from 'node:module';
import { tuneGarbageCollection } from './gc-tuning.ts';

// Before anything else runs, so every isolate (worker threads included) is created with it.
tuneGarbageCollection();

// Every pdm command loads a few hundred modules; Node's on-disk compile cache (in the OS temp
// directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off) keeps their compiled code and stripped
// types between runs: about a third less start-up CPU from the second run on (measured with
// `pdm rul --help`). Enabled before the modules below are imported, hence the dynamic imports.
enableCompileCache();
const { describeError } = await import('../common/errors.ts');
const { main } = await import('./main.ts');

// Exit once the command is done (after stdout drains): client libraries (OPC UA, Kafka) can keep
// timers alive after a clean shutdown, and a finished command must not hang.
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

const { quietKafkajsTimeoutWarning } = await import('../common/kafkajs-warning.ts');
quietKafkajsTimeoutWarning();

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  process.stderr.write(`pdm: ${describeError(err)}\n`);
  exit(1);
});
