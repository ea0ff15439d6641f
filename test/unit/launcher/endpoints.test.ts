import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { endpointsFromEnv } from '../../../deploy/local/endpoints.ts';

describe('endpointsFromEnv', () => {
  it('is empty when nothing is set, so the launcher starts both services', () => {
    expect(endpointsFromEnv({})).toEqual({});
  });

  it('reads a broker list with spaces and empty entries', () => {
    expect(endpointsFromEnv({ PDM_KAFKA_BROKERS: ' kafka-1:9092, kafka-2:9092 ,' }).kafkaBrokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
  });

  it('rejects a broker without a port, naming the variable', () => {
    let err: unknown;
    try {
      endpointsFromEnv({ PDM_KAFKA_BROKERS: 'kafka-1' });
    } catch (e) {
      err = e;
    }
    expect(isPdmError(err, 'PDM_ERR_CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain('PDM_KAFKA_BROKERS="kafka-1"');
  });

  it('derives HTTP and ILP from a PG URL, credentials included (docker-compose style)', () => {
    const q = endpointsFromEnv({ PDM_QUESTDB_PG: 'postgres://pdm:s3cret@questdb:8812/qdb' }).questdb!;
    expect(q.questdbHttp).toBe('http://questdb:9000');
    expect(q.questdbPg).toBe('postgres://pdm:s3cret@questdb:8812/qdb');
    expect(q.questdbIlpConfig).toBe('http::addr=questdb:9000;username=pdm;password=s3cret;');
    expect(q.questdbUser).toBe('pdm');
    expect(q.questdbPassword).toBe('s3cret');
  });

  it('derives the PG URL from HTTP plus PDM_QUESTDB_USER / PASSWORD', () => {
    const q = endpointsFromEnv({ PDM_QUESTDB_HTTP: 'http://db.local:9100/', PDM_QUESTDB_USER: 'u', PDM_QUESTDB_PASSWORD: 'p@ss' }).questdb!;
    expect(q.questdbHttp).toBe('http://db.local:9100');
    expect(q.questdbPg).toBe('postgres://u:p%40ss@db.local:8812/qdb');
    expect(q.questdbIlpConfig).toBe('http::addr=db.local:9100;username=u;password=p@ss;');
  });

  it('leaves credentials out when none are given', () => {
    const q = endpointsFromEnv({ PDM_QUESTDB_HTTP: 'http://localhost:9000' }).questdb!;
    expect(q.questdbIlpConfig).toBe('http::addr=localhost:9000;');
    expect(q.questdbUser).toBeUndefined();
  });

  it('rejects a non-URL and a wrong scheme, naming the variable', () => {
    expect(() => endpointsFromEnv({ PDM_QUESTDB_HTTP: 'localhost 9000' })).toThrow(/PDM_QUESTDB_HTTP="localhost 9000"/);
    expect(() => endpointsFromEnv({ PDM_QUESTDB_PG: 'http://localhost:8812' })).toThrow(/PDM_QUESTDB_PG=.*postgres:\/\//);
  });
});
