import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { ensurePortsFree, isPortFree } from '../../../deploy/local/ports.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    servers.push(s);
    s.listen(0, host, () => resolve((s.address() as { port: number }).port));
  });
}

describe('port checks', () => {
  it('sees a port held by a real listener as taken, and a closed one as free', async () => {
    const port = await listen();
    expect(await isPortFree(port)).toBe(false);
    await new Promise((r) => servers.pop()!.close(r));
    expect(await isPortFree(port)).toBe(true);
  });

  it('sees a port held on all interfaces as taken on 127.0.0.1 too', async () => {
    const port = await listen('0.0.0.0');
    expect(await isPortFree(port)).toBe(false);
  });

  it('names the taken port, the service, and both ways out', async () => {
    const port = await listen();
    const err = await ensurePortsFree([{ port, role: 'QuestDB HTTP' }], 'PDM_QUESTDB_HTTP=http://host:port').catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_ENV_PORT')).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain(`port ${port} (QuestDB HTTP)`);
    expect(msg).toContain('PDM_SERVICES_PORT_OFFSET');
    expect(msg).toContain('PDM_QUESTDB_HTTP=http://host:port');
  });
});
