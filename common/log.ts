/**
 * Structured logs (JSON lines on stderr, so stdout stays free for command output such as
 * `pdm analyze --json`). Set PDM_LOG_LEVEL=debug|info|warn|error; PDM_LOG_PRETTY=1 is not
 * offered on purpose: the live views print human text themselves.
 */
import { type Logger, pino } from 'pino';

const root: Logger = pino(
  { level: process.env['PDM_LOG_LEVEL'] ?? 'info', base: { pid: process.pid } },
  pino.destination({ dest: 2, sync: false }),
);

export type { Logger };

export function logger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ component, ...bindings });
}
