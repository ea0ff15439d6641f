/**
 * When the machine was not running, from its OPC UA Machinery state (OPC 40001-1
 * MachineryItemState.CurrentState: Executing, NotExecuting, OutOfService...). Condition monitors
 * gate acquisition on the run signal, so a machine that stops publishes no blocks: the blocks of
 * that time are missing, but nothing was lost. Without this the collector could only call such a
 * jump `lost_in_flight`, and a plant's trips read as data loss (the soak: a tripped fan's 5 minutes
 * reported as 18 000 blocks lost in flight). Times are the server's (SourceTimestamp), as blocks' are.
 */

/** CurrentState names of a machine that acquires (anything else: stopped, out of service, failed). */
const RUNNING_STATES = new Set(['Executing']);

/** Spans kept per machine: enough for the gaps detected after a few stops, bounded. */
const MAX_SPANS = 32;

export class RunStateSpans {
  /** [from, to) in server ms; `to` undefined while the machine is still not running. */
  readonly #spans: Array<{ fromMs: number; toMs: number | undefined }> = [];
  /** Whether a state was ever reported (a server without the node never says). */
  known = false;

  /** A reported CurrentState at the server's time `atMs`. */
  observe(state: string, atMs: number): void {
    this.known = true;
    const open = this.#spans.at(-1);
    const running = RUNNING_STATES.has(state);
    if (running) {
      if (open && open.toMs === undefined) open.toMs = Math.max(open.fromMs, atMs);
      return;
    }
    if (open && open.toMs === undefined) return;
    this.#spans.push({ fromMs: atMs, toMs: undefined });
    if (this.#spans.length > MAX_SPANS) this.#spans.shift();
  }

  /** Whether the machine was not running at some moment of [fromMs, toMs). */
  notRunningDuring(fromMs: number, toMs: number): boolean {
    return this.#spans.some((s) => s.fromMs < toMs && (s.toMs === undefined || s.toMs > fromMs));
  }
}
