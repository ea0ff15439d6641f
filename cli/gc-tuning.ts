/**
 * V8 starts a full mark-compact whenever the memory outside its heap (ArrayBuffers: OPC UA chunks,
 * Kafka fetches, sample blocks) has grown by a fixed step since the last one, whatever the heap's
 * own size. A collector and processor moving tens of MB of blocks a second hit that step several
 * times a second: with 16 simulated machines, `pdm start` ran 129 mark-compacts in 70 s (most
 * incremental markings started by "external memory pressure"), before its young generation ever
 * filled. Accounting external memory in V8's global heap limit instead (V8's own alternative
 * heuristic) left 16-20 and took its CPU from 0.80 to 0.45-0.50 cores (docs/processor.md, "Garbage
 * collection"). The price is memory: its resident size settled near 1.25 GB instead of about 0.56.
 * `PDM_GC_TUNING=off` keeps V8's default. Called first thing by the `pdm` entry point, and by the
 * benches that run the product's components in their own process, so they measure what ships.
 */
import { setFlagsFromString } from 'node:v8';

export function tuneGarbageCollection(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.PDM_GC_TUNING === 'off') return false;
  setFlagsFromString('--external-memory-accounted-in-global-limit');
  return true;
}
