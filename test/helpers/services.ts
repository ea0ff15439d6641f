/**
 * The Kafka and QuestDB endpoints of the integration tests: set by the integration projects' setup
 * file (test/setup/await-services.ts) once the services are up, read by the tests when they are
 * collected. Kept on globalThis: a worker that runs several files keeps one value.
 */
import type { ServiceEndpoints } from '../../deploy/local/endpoints.ts';

const KEY = Symbol.for('pdm.test-service-endpoints');
const holder = globalThis as typeof globalThis & { [KEY]?: ServiceEndpoints };

export function setTestServices(endpoints: ServiceEndpoints): void {
  holder[KEY] = endpoints;
}

/** The services' endpoints; only in the integration projects, whose setup file waits for them. */
export function testServices(): ServiceEndpoints {
  const endpoints = holder[KEY];
  if (!endpoints)
    throw new Error('testServices() is for integration tests: their setup file (test/setup/await-services.ts) sets the endpoints');
  return endpoints;
}
