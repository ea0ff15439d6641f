/**
 * The second stage of each Kafka batch (write its rows, save its machines' model state, commit
 * its offsets) runs after the batch handler has returned, so that kafkajs fetches again while it
 * runs. kafkajs fetches a broker's partitions again only once every batch of its previous fetch is
 * handled; with the grouped QuestDB commit (up to `questdb.commitIntervalMs`) inside the handler,
 * each fetch waited for the previous batches' writes, and that wait was the largest part of the
 * time from Kafka to the processor (BENCHMARKS.md, Targets).
 *
 * Per partition the second stages run one at a time and in offset order: a batch's offsets are
 * committed only after those of the batches before it, and its handler waits for the previous
 * batch's second stage before starting its own, so at most one batch per partition is in its
 * second stage while the next is fetched and analysed (memory stays bounded by the backpressure
 * accounting, which counts a batch until its second stage ends).
 *
 * A second stage that fails leaves offsets resolved that were never committed, and a model that
 * may hold windows whose rows or state were not saved: the processor must not commit past it.
 * The first failure is kept (`broken`) until the consumer is back on its committed offsets (a
 * new group generation); the handler throws it for every batch meanwhile, so kafkajs retries and
 * then restarts the consumer, which rejoins from the committed offsets. Pure: no Kafka here.
 */
export class BatchPipelines {
  /** The last second stage started, per partition key ("topic/partition"); it never rejects. */
  readonly #tails = new Map<string, Promise<void>>();
  #broken: unknown;
  #isBroken = false;

  /** The first failure of a second stage since `repaired`, if any. */
  get broken(): { err: unknown } | undefined {
    return this.#isBroken ? { err: this.#broken } : undefined;
  }

  /** Second stages started and not yet ended. */
  get inFlight(): number {
    return this.#tails.size;
  }

  /** The consumer is on its committed offsets again (a new generation): batches may go on. */
  repaired(): void {
    this.#isBroken = false;
    this.#broken = undefined;
  }

  /** Resolves once the second stage last started for `key` has ended. */
  async previous(key: string): Promise<void> {
    await this.#tails.get(key);
  }

  /**
   * Starts `finish` as `key`'s second stage, after the one before it has ended (callers await
   * `previous(key)` first; this keeps the order even if one does not). A rejection is passed to
   * `onError`, which says whether it breaks the pipelines (a stage of a generation already left
   * behind does not: the consumer is back on its committed offsets); the returned promise never
   * rejects.
   */
  start(key: string, finish: () => Promise<void>, onError: (err: unknown) => boolean): Promise<void> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const run = before
      .then(finish)
      .catch((err: unknown) => {
        if (onError(err) && !this.#isBroken) {
          this.#isBroken = true;
          this.#broken = err;
        }
      })
      .finally(() => {
        if (this.#tails.get(key) === run) this.#tails.delete(key);
      });
    this.#tails.set(key, run);
    return run;
  }

  /** Resolves once every second stage started so far has ended. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()]);
  }
}
