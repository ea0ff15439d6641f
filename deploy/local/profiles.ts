/**
 * Ports per profile. `test` uses its own range so integration tests run while a developer's
 * `npm start` factory holds the default ports. PDM_SERVICES_PORT_OFFSET moves a whole profile.
 */
import { PdmError } from '../../common/errors.ts';
import type { KafkaPorts } from './kafka.ts';
import type { QuestdbPorts } from './questdb.ts';

export type Profile = 'dev' | 'test';

export interface ServicePorts {
  kafka: KafkaPorts;
  questdb: QuestdbPorts;
}

export const PROFILE_PORTS: Record<Profile, ServicePorts> = {
  dev: { kafka: { broker: 9092, controller: 9093 }, questdb: { http: 9000, pg: 8812, ilpTcp: 9009, health: 9003 } },
  test: { kafka: { broker: 19092, controller: 19093 }, questdb: { http: 19000, pg: 18812, ilpTcp: 19009, health: 19003 } },
};

/** Ports between concurrent test runs' slots (slot n adds n × this). */
export const SLOT_PORT_STEP = 100;

export function portOffsetFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['PDM_SERVICES_PORT_OFFSET'];
  if (raw === undefined || raw.trim() === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 40_000) {
    throw new PdmError(
      'PDM_ERR_CONFIG_INVALID',
      `PDM_SERVICES_PORT_OFFSET must be a whole number from 0 to 40000 (added to every local service port), got ${JSON.stringify(raw)}`,
      { value: raw },
    );
  }
  return n;
}

export function shiftPorts(p: ServicePorts, offset: number): ServicePorts {
  return {
    kafka: { broker: p.kafka.broker + offset, controller: p.kafka.controller + offset },
    questdb: {
      http: p.questdb.http + offset,
      pg: p.questdb.pg + offset,
      ilpTcp: p.questdb.ilpTcp + offset,
      health: p.questdb.health + offset,
    },
  };
}
