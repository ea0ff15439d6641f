/**
 * The one function that turns a Kafka security setting into client options: what it reads, and
 * the errors that name what to set; and which client errors mean refused credentials or ACLs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { isKafkaAuthError, KafkaSecuritySpec, kafkaError, kafkaSecurityFromEnv, kafkaSecurityOptions } from '../../../common/kafka.ts';

const dir = mkdtempSync(join(tmpdir(), 'pdm-kafka-sec-'));
const ca = join(dir, 'ca.crt');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

describe('Kafka security options', () => {
  it('plaintext gives neither ssl nor sasl', () => {
    expect(kafkaSecurityOptions(KafkaSecuritySpec.parse({}))).toEqual({});
  });

  it('sasl_ssl reads the CA file and takes the user from the variables the config names', () => {
    const s = KafkaSecuritySpec.parse({ protocol: 'sasl_ssl', caFile: ca, usernameEnv: 'U', passwordEnv: 'P' });
    const o = kafkaSecurityOptions(s, { U: 'collector', P: 'secret' });
    expect(o.ssl).toMatchObject({ rejectUnauthorized: true, ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
    expect(o.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'collector', password: 'secret' });
  });

  it('names the unset variables, and an unreadable CA file', () => {
    const s = KafkaSecuritySpec.parse({ protocol: 'sasl_ssl', caFile: ca });
    const err = (() => {
      try {
        kafkaSecurityOptions(s, { PDM_KAFKA_USERNAME: 'x' });
      } catch (e) {
        return e;
      }
    })();
    expect(isPdmError(err, 'PDM_ERR_CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain('set PDM_KAFKA_PASSWORD');
    expect((err as Error).message).not.toContain('PDM_KAFKA_USERNAME and');
    expect(() => kafkaSecurityOptions(KafkaSecuritySpec.parse({ protocol: 'ssl', caFile: join(dir, 'nope.crt') }), {})).toThrow(
      /cannot read caFile .*nope\.crt \(ENOENT\); set kafka\.security\.caFile \(or PDM_KAFKA_CA_FILE\)/,
    );
  });

  it('refuses a client certificate without its key, and TLS files on plaintext', () => {
    expect(KafkaSecuritySpec.safeParse({ protocol: 'ssl', certFile: ca }).success).toBe(false);
    expect(KafkaSecuritySpec.safeParse({ protocol: 'plaintext', caFile: ca }).success).toBe(false);
  });

  it('reads the environment when a config has no kafka.security', () => {
    expect(kafkaSecurityFromEnv({}).protocol).toBe('plaintext');
    expect(kafkaSecurityFromEnv({ PDM_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', PDM_KAFKA_CA_FILE: ca })).toMatchObject({
      protocol: 'sasl_ssl',
      caFile: ca,
      usernameEnv: 'PDM_KAFKA_USERNAME',
    });
    expect(() => kafkaSecurityFromEnv({ PDM_KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext' })).toThrow(
      /PDM_KAFKA_SECURITY_PROTOCOL=plaintext\|ssl\|sasl_ssl/,
    );
  });

  it('tells refused credentials and missing ACLs from an unreachable broker', () => {
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: bad'), { name: 'KafkaJSSASLAuthenticationError' });
    const acl = Object.assign(new Error('Not authorized to access topics'), {
      name: 'KafkaJSProtocolError',
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    expect(isKafkaAuthError(sasl)).toBe(true);
    expect(isKafkaAuthError(new Error('wrap', { cause: acl }))).toBe(true);
    expect(kafkaError(sasl, 'producer cannot connect', ['k:9093']).code).toBe('PDM_ERR_KAFKA_AUTH');
    expect(kafkaError(new Error('ECONNREFUSED'), 'producer cannot connect', ['k:9093']).code).toBe('PDM_ERR_KAFKA_UNAVAILABLE');
  });

  it("knows @platformatic/kafka's errors too (the collector's producer): refused user, missing ACL inside an aggregate, a network failure", () => {
    const refused = new AuthenticationError('SASL authentication failed.');
    const acl = new MultipleErrors('Producing failed.', [new ProtocolError('TOPIC_AUTHORIZATION_FAILED')]);
    const down = new MultipleErrors('Cannot connect to any broker.', [new NetworkError('Connection error')]);
    expect(isKafkaAuthError(refused)).toBe(true);
    expect(isKafkaAuthError(acl)).toBe(true);
    expect(isKafkaAuthError(down)).toBe(false);
    expect(kafkaError(acl, 'send of 3 messages failed', ['k:9093']).code).toBe('PDM_ERR_KAFKA_AUTH');
    expect(kafkaError(down, 'send of 3 messages failed', ['k:9093']).code).toBe('PDM_ERR_KAFKA_UNAVAILABLE');
  });
});
