/** Resolves on the first SIGINT or SIGTERM (Ctrl-C, docker stop), so commands can shut down cleanly. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (sig: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(sig);
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
