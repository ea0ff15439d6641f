/**
 * Which rows of a batch QuestDB refuses. A write over ILP/HTTP is all or nothing: one row QuestDB
 * cannot take (a value that does not fit its column, a time it cannot store) fails the whole
 * request with a 4xx, and sending it again gets the same answer, so the batch would never commit
 * and every partition behind the writer would stall. Splitting the batch in halves until each
 * refused part is a single row finds the offending rows in O(k log n) writes for k bad rows; the
 * other rows are written on the way (DEDUP keys make rows written twice harmless).
 *
 * Pure: the write is a function, so the search is tested without QuestDB. Errors that are not a
 * refusal (QuestDB unreachable, credentials refused) are not the rows' fault: they propagate, and
 * the caller retries or stops as it would for the whole batch.
 */

export interface RefusedItem<T> {
  item: T;
  /** QuestDB's answer for this item alone. */
  err: unknown;
}

/**
 * Write `items` with `write`; when `isRefusal(err)` says QuestDB refused a part as malformed,
 * bisect it. Resolves with the items refused one by one (empty: all written).
 */
export async function writeIsolatingRefusals<T>(
  items: readonly T[],
  write: (part: readonly T[]) => Promise<void>,
  isRefusal: (err: unknown) => boolean,
): Promise<RefusedItem<T>[]> {
  if (items.length === 0) return [];
  try {
    await write(items);
    return [];
  } catch (err) {
    if (!isRefusal(err)) throw err;
    if (items.length === 1) return [{ item: items[0], err }];
  }
  const mid = Math.ceil(items.length / 2);
  const left = await writeIsolatingRefusals(items.slice(0, mid), write, isRefusal);
  const right = await writeIsolatingRefusals(items.slice(mid), write, isRefusal);
  return [...left, ...right];
}
