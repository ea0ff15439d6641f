/**
 * kafkajs's request queue calls setTimeout with a negative delay (kafkajs issue #1751), which
 * Node 24 reports once per process as a TimeoutNegativeWarning and clamps to 1 ms: harmless, but
 * it reads like a fault. Every process that talks to Kafka (pdm, the e2e bench) drops that one
 * warning and prints every other as Node would.
 */
export function quietKafkajsTimeoutWarning(): void {
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name === 'TimeoutNegativeWarning') return;
    process.stderr.write(`(node:${process.pid}) ${w.name}: ${w.message}\n`);
  });
}
