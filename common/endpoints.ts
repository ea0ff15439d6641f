/**
 * Where the services are, from the environment (how docker-compose and operators wire the
 * containers): PDM_KAFKA_BROKERS, PDM_QUESTDB_HTTP, PDM_QUESTDB_USER, PDM_QUESTDB_PASSWORD.
 */
import { PdmError } from './errors.ts';
import { brokersFromEnv } from './kafka.ts';

export interface QuestdbEndpoint {
  httpUrl: string;
  ilpConfig: string;
  auth?: { user: string; password: string };
}

export function questdbFromEnv(env: NodeJS.ProcessEnv = process.env): QuestdbEndpoint {
  const httpUrl = env['PDM_QUESTDB_HTTP'];
  if (!httpUrl)
    throw new PdmError(
      'PDM_ERR_CONFIG_INVALID',
      'PDM_QUESTDB_HTTP is not set (e.g. http://localhost:9000); or run `npm start`, which starts QuestDB itself',
    );
  const user = env['PDM_QUESTDB_USER'];
  const password = env['PDM_QUESTDB_PASSWORD'];
  const url = new URL(httpUrl);
  const creds = user && password ? `username=${user};password=${password};` : '';
  return {
    httpUrl,
    ilpConfig: `${url.protocol === 'https:' ? 'https' : 'http'}::addr=${url.host};${creds}`,
    auth: user && password ? { user, password } : undefined,
  };
}

export function kafkaFromEnv(configured: string[] | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const brokers = configured ?? brokersFromEnv(env);
  if (brokers.length === 0)
    throw new PdmError(
      'PDM_ERR_CONFIG_INVALID',
      'no Kafka brokers: set PDM_KAFKA_BROKERS (e.g. localhost:9092) or kafka.brokers in the config file; or run `npm start`, which starts Kafka itself',
    );
  return brokers;
}
