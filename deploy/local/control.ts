/**
 * Inspect and stop services recorded in a services directory by another launcher process
 * (`pdm services status` / `down`, e.g. after `pdm services up --detach`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { probeKafka } from './kafka.ts';
import { kafkaSecurityLayout, localClientSecurity, readKafkaSecrets } from './kafka-security.ts';
import { ensureCredentials, probeQuestdb, questdbLayout } from './questdb.ts';
import { kafkaDir, questdbDir } from './services.ts';
import { isRecordedProcessRunning, readState, removeState, type ServiceRecord, writeState } from './state.ts';
import { stopPid } from './supervisor.ts';

export interface ServiceStatus {
  name: 'kafka' | 'questdb';
  pid: number;
  running: boolean;
  healthy: boolean;
  /** Broker list or HTTP URL. */
  address: string;
  logFile: string;
  launcherPid: number;
  detached: boolean;
}

export async function servicesStatus(dir: string): Promise<ServiceStatus[]> {
  const state = readState(dir);
  const out: ServiceStatus[] = [];
  const base = (name: 'kafka' | 'questdb', rec: ServiceRecord, address: string) => ({
    name,
    pid: rec.pid,
    address,
    logFile: rec.logFile,
    launcherPid: rec.launcherPid,
    detached: rec.detached,
    running: isRecordedProcessRunning(rec),
  });
  if (state?.kafka) {
    const s = base('kafka', state.kafka, state.kafka.brokers.join(','));
    // A secured broker answers its admin user only (kafka-security.ts).
    const sec = kafkaSecurityLayout(kafkaDir(dir));
    const secrets = state.kafka.security === 'sasl_ssl' && s.running ? readKafkaSecrets(sec) : undefined;
    const security = secrets ? localClientSecurity(sec, secrets, 'admin') : {};
    out.push({ ...s, healthy: s.running && (await probeKafka(state.kafka.brokers, security)) });
  }
  if (state?.questdb) {
    const s = base('questdb', state.questdb, state.questdb.http);
    const layout = questdbLayout(questdbDir(dir));
    let healthy = false;
    if (s.running && existsSync(layout.credentialsFile)) {
      const ports = {
        http: Number(new URL(state.questdb.http).port),
        pg: 0,
        ilpTcp: 0,
        health: Number(new URL(state.questdb.health).port),
      };
      healthy = await probeQuestdb(ports, ensureCredentials(layout));
    }
    out.push({ ...s, healthy });
  }
  return out;
}

/** Stop every recorded service that still runs; returns what was stopped. */
export async function stopRecorded(dir: string, onProgress: (l: string) => void = () => {}): Promise<string[]> {
  const state = readState(dir);
  const stopped: string[] = [];
  if (!state) return stopped;
  await Promise.all(
    (['kafka', 'questdb'] as const).map(async (name) => {
      const rec = state[name];
      if (rec && isRecordedProcessRunning(rec)) {
        onProgress(`stopping ${name} (pid ${rec.pid})`);
        await stopPid(rec.pid);
        stopped.push(name);
      }
      delete state[name];
    }),
  );
  if (state.kafka || state.questdb) writeState(dir, state);
  else removeState(dir);
  return stopped;
}

export function credentialsFile(dir: string): string {
  return join(questdbDir(dir), 'credentials.json');
}
