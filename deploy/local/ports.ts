/** Is a TCP port free on 127.0.0.1? Checked with a real listen so the answer is the kernel's. */
import { createServer } from 'node:net';
import { PdmError } from '../../common/errors.ts';

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface PortNeed {
  port: number;
  /** e.g. 'Kafka broker', 'QuestDB HTTP'. */
  role: string;
}

/**
 * Throws PDM_ERR_ENV_PORT for the first taken port, naming it, the service that wanted it, and
 * both ways out: another port range (PDM_SERVICES_PORT_OFFSET) or using what already runs there.
 */
export async function ensurePortsFree(needs: PortNeed[], useRunningHint: string): Promise<void> {
  for (const need of needs) {
    if (!(await isPortFree(need.port))) {
      throw new PdmError(
        'PDM_ERR_ENV_PORT',
        `port ${need.port} (${need.role}) on 127.0.0.1 is already in use by another process; ` +
          `stop that process, or move all local service ports with PDM_SERVICES_PORT_OFFSET=<n> (e.g. 100 puts the ${need.role} on ${need.port + 100}), ` +
          `or use the service already running there with ${useRunningHint}`,
        { port: need.port, role: need.role },
      );
    }
  }
}
