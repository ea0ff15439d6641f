/**
 * The timers that wake the machines of one server: ONE block timer for every waveform machine
 * (a gateway of a hundred machines wakes once per block period, not a hundred times), and one
 * timer per distinct energy period and per distinct scalar period. Each wakes just after a
 * boundary of the wall clock and lets every machine publish what has elapsed (a late wake
 * publishes every block it slept through, up to the machine's catch-up bound).
 */
import type { Logger } from '../../../common/log.ts';
import type { MachinePublisher } from './machine-publisher.ts';

/** Wake this long after a boundary, so the block or period that ends at it is complete. */
const AFTER_BOUNDARY_MS = 2;

export class PublishingTimers {
  readonly #publishers: readonly MachinePublisher[];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #log: Logger;
  #running = false;

  constructor(publishers: readonly MachinePublisher[], log: Logger) {
    this.#publishers = publishers;
    this.#log = log;
  }

  start(nowMs: number): void {
    this.#running = true;
    for (const p of this.#publishers) p.begin(nowMs);
    const waveform = this.#publishers.filter((p) => p.blockPeriodMs !== undefined);
    if (waveform.length > 0) this.#blocks(waveform, Math.min(...waveform.map((p) => p.blockPeriodMs!)));
    for (const [periodMs, group] of groupBy(
      this.#publishers.filter((p) => p.scalarPeriodMs !== undefined),
      (p) => p.scalarPeriodMs!,
    ))
      this.#scalars(group, periodMs);
    for (const [periodMs, group] of groupBy(this.#publishers, (p) => p.energyPeriodMs)) {
      const timer = setInterval(() => {
        const now = Date.now();
        for (const p of group) {
          p.publishEnergy(now);
          p.refreshState(now);
        }
      }, periodMs);
      this.#timers.add(timer);
    }
  }

  stop(): void {
    this.#running = false;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  /** Wake at each block boundary (the shortest block period of all) and publish what has elapsed. */
  #blocks(group: MachinePublisher[], periodMs: number): void {
    if (!this.#running) return;
    const now = Date.now();
    const rendering: Array<Promise<void>> = [];
    for (const p of group) {
      const done = p.publishElapsedBlocks(now);
      if (done) rendering.push(done);
    }
    const schedule = () => {
      if (!this.#running) return;
      const after = Date.now();
      const next = Math.ceil((after + 1) / periodMs) * periodMs;
      this.#later(() => this.#blocks(group, periodMs), next - after + AFTER_BOUNDARY_MS);
    };
    // Blocks rendered in physics threads: the next wake waits for them (a late one publishes what it slept through).
    if (rendering.length === 0) schedule();
    else void Promise.all(rendering).then(schedule);
  }

  /** Wake at each scalar period boundary of the wall clock and publish the periods that ended. */
  #scalars(group: MachinePublisher[], periodMs: number): void {
    if (!this.#running) return;
    const now = Date.now();
    let endMs = Math.floor(now / periodMs) * periodMs;
    for (const p of group) endMs = p.publishDueScalars(now);
    this.#later(() => this.#scalars(group, periodMs), endMs + periodMs - now + AFTER_BOUNDARY_MS);
  }

  #later(run: () => void, delayMs: number): void {
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        try {
          run();
        } catch (err) {
          // Publishers catch their own failures; this keeps the timer alive whatever else throws.
          this.#log.error({ err: String(err) }, 'publishing tick failed');
        }
      },
      Math.max(1, delayMs),
    );
    this.#timers.add(timer);
  }
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k) ?? [];
    list.push(item);
    out.set(k, list);
  }
  return out;
}
