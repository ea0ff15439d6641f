/** What the integration global setup writes once the test services are up, or could not start. */
import type { ServiceEndpoints } from '../../deploy/local/endpoints.ts';

export type ServicesFile = { endpoints: ServiceEndpoints; error?: undefined } | { endpoints?: undefined; error: string };
