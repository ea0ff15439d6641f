/**
 * Child process of bench/collector.bench.ts: N simulated machines (node-opcua servers,
 * SignAndEncrypt, user token, 3 axes at 25.6 kHz in 2560-sample blocks: the data rate of a real
 * triaxial sensor) with a cheap signal, so the collector under test gets real traffic while its
 * own process does nothing else. Prints {"endpoints": [...]} once listening; runs until killed.
 *
 *   node bench/collector-machines.ts <count> <dir> <user> <password>
 */
import { join } from 'node:path';
import { MachineServer } from '../ingest/simulator/opcua/machine-server.ts';
import { SineSource } from '../ingest/simulator/test-signals.ts';
import { trustEachOther } from '../tools/harness/opcua-trust.ts';
import { freePort } from '../tools/harness/ports.ts';

const [count, dir, user, password] = [Number(process.argv[2]), process.argv[3], process.argv[4], process.argv[5]];
const servers: MachineServer[] = [];
for (let i = 0; i < count; i++) {
  const id = `bench-${String(i).padStart(3, '0')}`;
  const pkiDir = join(dir, 'machines', id);
  await trustEachOther(pkiDir, id, join(dir, 'collector-pki'));
  const server = new MachineServer({
    machineId: id,
    port: await freePort(),
    source: new SineSource({
      frequencyHz: 30 + i,
      amplitudeG: 1,
      noiseRmsG: 0.1,
      sampleRateHz: 25_600,
      blockSize: 2_560,
      seed: i + 1,
      channels: [
        { id: 'DE_X', location: 'DE', axis: 'X' },
        { id: 'DE_Y', location: 'DE', axis: 'Y' },
        { id: 'DE_Z', location: 'DE', axis: 'Z' },
      ],
    }),
    security: { mode: 'SignAndEncrypt', policy: 'Basic256Sha256', allowAnonymous: false },
    users: [{ username: user, password }],
    pkiDir,
  });
  await server.start();
  servers.push(server);
}
process.stdout.write(`${JSON.stringify({ endpoints: servers.map((s) => ({ id: s.machineId, endpoint: s.endpointUrl })) })}\n`);
const stop = async () => {
  await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
