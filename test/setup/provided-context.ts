/**
 * What the integration global setup hands to tests: `inject('services')` is typed by this
 * augmentation of vitest's ProvidedContext.
 */
import type { ServiceEndpoints } from '../../deploy/local/endpoints.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceEndpoints;
  }
}
