/**
 * What the integration global setup hands to test workers: `inject('servicesFile')`, the file it
 * writes once the services are up (test/setup/services.ts), is typed by this augmentation of
 * vitest's ProvidedContext. Tests take the endpoints from testServices() (test/helpers/services.ts).
 */
declare module 'vitest' {
  export interface ProvidedContext {
    servicesFile: string;
  }
}

export {};
