/**
 * Setup file of the integration projects: before a file's tests are collected, wait for the test
 * services the global setup starts in the background (test/setup/services.ts), and hand their
 * endpoints to testServices(). The first integration file waits only if the unit files finished
 * before the services were up; a start that failed fails every integration file with its reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { until } from '../../tools/harness/ports.ts';
import { setTestServices } from '../helpers/services.ts';
import type { ServicesFile } from './services-file.ts';
import './provided-context.ts';

/** Longer than the launcher's own deadlines (Maven downloads with progress, 120 s per service). */
const WAIT_MS = 15 * 60_000;

const file = inject('servicesFile');
await until(() => existsSync(file), WAIT_MS, `the test services (${file}; see the [services] lines above)`);
const reported = JSON.parse(readFileSync(file, 'utf8')) as ServicesFile;
if (!reported.endpoints) throw new Error(reported.error);
setTestServices(reported.endpoints);
