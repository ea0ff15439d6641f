/** The error `fn` throws (a test fails when it throws none), for asserting on its code and message. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
