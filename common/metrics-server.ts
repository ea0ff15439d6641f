/**
 * The small HTTP server every long-running pdm service offers its operators: Prometheus text on
 * /metrics (a prom-client registry) and a JSON /health, answered 503 only when the service is
 * down as a whole (one broken machine must not get the process restarted).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { PdmError } from './errors.ts';

/** The `metrics:` section of a service's configuration. */
export const MetricsEndpointSpec = z
  .strictObject({
    port: z.number().int().min(0).max(65_535).describe('HTTP port for /metrics (Prometheus) and /health (0: any free port)'),
    // Loopback unless told otherwise: /health names machines, endpoints and errors, which is
    // reconnaissance for anyone on the plant network. A container sets 0.0.0.0 explicitly (its
    // port is then published on the host's loopback only, see docker-compose.yml).
    host: z.string().min(1).default('127.0.0.1').describe('address to listen on (0.0.0.0: every interface, e.g. in a container)'),
  })
  .optional()
  .describe('metrics and health endpoint; none when absent');

export interface HealthSource {
  /** The report, and whether the service is down as a whole. */
  health(): { report: unknown; down: boolean };
}

export class MetricsServer {
  readonly #registry: Registry;
  readonly #source: HealthSource;
  #server: Server | undefined;

  constructor(registry: Registry, source: HealthSource) {
    this.#registry = registry;
    this.#source = source;
  }

  /** Serve /metrics and /health; resolves with the port (0 asks for any free one). */
  async listen(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/metrics') {
        this.#registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': this.#registry.contentType });
            res.end(text);
          },
          (err: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(String(err));
          },
        );
        return;
      }
      if (req.method === 'GET' && path === '/health') {
        const { report, down } = this.#source.health();
        res.writeHead(down ? 503 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(report));
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: try /metrics or /health\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new PdmError(
                'PDM_ERR_ENV_PORT',
                `port ${port} on ${host} (/metrics and /health) is already in use; set metrics.port in the configuration to a free port (0: any free one)`,
                { port, host },
                { cause: err },
              )
            : err,
        ),
      );
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
