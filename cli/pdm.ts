#!/usr/bin/env node
// Entry point of the `pdm` bin; everything testable lives in ./main.ts.
import { enableCompileCache } from 'node:module';
import { setFlagsFromString } from 'node:v8';

// V8 starts a full mark-compact whenever the memory outside its heap (ArrayBuffers: OPC UA
// chunks, Kafka fetches, sample blocks) has grown by a fixed step since the last one, whatever
// the heap's own size. A collector and processor moving tens of MB of blocks a second hit that
// step several times a second: with 16 simulated machines, `pdm start` ran 129 mark-compacts in
// 70 s (56 of 76 incremental markings started by "external memory pressure"), before its young
// generation ever filled. Accounting external memory in V8's global heap limit instead (the
// flag below, V8's own alternative heuristic) left 16 and took its CPU from 0.82 to 0.59 cores
// (docs/processor.md, "Garbage collection"). The price is memory: its resident size settled
// near 1.25 GB instead of about 0.56; PDM_GC_TUNING=off keeps V8's default. Set before anything
// else runs, so every isolate (worker threads included) is created with it.
if (process.env.PDM_GC_TUNING !== 'off') setFlagsFromString('--external-memory-accounted-in-global-limit');

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

// kafkajs's request queue calls setTimeout with a negative delay, which Node 24 reports once per
// process as a TimeoutNegativeWarning (and clamps to 1 ms: harmless). Every other warning is
// printed as Node would.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'TimeoutNegativeWarning') return;
  process.stderr.write(`(node:${process.pid}) ${w.name}: ${w.message}\n`);
});

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  process.stderr.write(`pdm: ${describeError(err)}\n`);
  exit(1);
});
