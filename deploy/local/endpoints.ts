/**
 * Service endpoints: the shape the rest of the product consumes, how they are read from the
 * environment (services someone else runs: CI, docker-compose, a shared box), and where SQL goes.
 */
import { PdmError } from '../../common/errors.ts';
import type { QuestdbHttpTarget } from '../../storage/sql.ts';

export interface ServiceEndpoints {
  kafkaBrokers: string[]; // ['127.0.0.1:9092']
  questdbHttp: string; // 'http://127.0.0.1:9000'
  questdbPg: string; // 'postgres://user:password@127.0.0.1:8812/qdb'
  questdbIlpConfig: string; // a @questdb/nodejs-client config string
  questdbUser?: string;
  questdbPassword?: string; // for HTTP /exec basic auth if enabled
}

export type QuestdbEndpoints = Omit<ServiceEndpoints, 'kafkaBrokers'>;

export interface EnvEndpoints {
  kafkaBrokers?: string[];
  questdb?: QuestdbEndpoints;
}

function invalid(name: string, value: string, want: string): PdmError {
  return new PdmError('PDM_ERR_CONFIG_INVALID', `${name}=${JSON.stringify(value)} is not valid: ${want}`, { variable: name, value });
}

export function questdbEndpoints(
  host: string,
  httpPort: number,
  pgPort: number,
  user: string | undefined,
  password: string | undefined,
): QuestdbEndpoints {
  const auth = user !== undefined && password !== undefined;
  const pgAuth = auth ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}@` : '';
  return {
    questdbHttp: `http://${host}:${httpPort}`,
    questdbPg: `postgres://${pgAuth}${host}:${pgPort}/qdb`,
    questdbIlpConfig: `http::addr=${host}:${httpPort};${auth ? `username=${user};password=${password};` : ''}`,
    ...(auth ? { questdbUser: user, questdbPassword: password } : {}),
  };
}

/**
 * The QuestDB endpoints fit to print: the password is replaced by where it is (a file, an
 * environment variable), in the PG URL and the ILP string too, and `questdbPassword` is dropped.
 * A terminal's scroll-back, a CI log or a pasted support request must not carry the secret.
 */
export function printableQuestdb<T extends QuestdbEndpoints>(e: T, passwordAt: string): Omit<T, 'questdbPassword'> {
  const { questdbPassword, ...rest } = e;
  if (questdbPassword === undefined) return rest;
  const where = `<password in ${passwordAt}>`;
  let pg = rest.questdbPg;
  try {
    const url = new URL(pg);
    if (url.password) pg = pg.replace(`:${url.password}@`, `:${where}@`);
  } catch {
    // not a URL: left as it is, but still without the raw password below
  }
  return {
    ...rest,
    questdbPg: pg.split(questdbPassword).join(where),
    questdbIlpConfig: rest.questdbIlpConfig
      .replace(/password=[^;]*;/g, `password=${where};`)
      .split(questdbPassword)
      .join(where),
  };
}

/**
 * PDM_KAFKA_BROKERS ("host:port,host:port"); PDM_QUESTDB_HTTP and/or PDM_QUESTDB_PG (the other is
 * derived with QuestDB's default port), PDM_QUESTDB_USER / PDM_QUESTDB_PASSWORD (else the PG URL's
 * user info), PDM_QUESTDB_ILP to override the derived ILP config string.
 */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): EnvEndpoints {
  const out: EnvEndpoints = {};
  const brokersRaw = env['PDM_KAFKA_BROKERS'];
  if (brokersRaw !== undefined && brokersRaw.trim() !== '') {
    const brokers = brokersRaw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const b of brokers)
      if (!/^[^:\s/]+:\d{1,5}$/.test(b))
        throw invalid('PDM_KAFKA_BROKERS', brokersRaw, 'expected comma-separated host:port pairs, e.g. localhost:9092');
    out.kafkaBrokers = brokers;
  }
  const httpRaw = env['PDM_QUESTDB_HTTP']?.trim() || undefined;
  const pgRaw = env['PDM_QUESTDB_PG']?.trim() || undefined;
  if (httpRaw === undefined && pgRaw === undefined) return out;

  let http: URL | undefined;
  let pg: URL | undefined;
  try {
    if (httpRaw) http = new URL(httpRaw);
  } catch {
    throw invalid('PDM_QUESTDB_HTTP', httpRaw ?? '', 'expected a URL such as http://localhost:9000');
  }
  if (http && http.protocol !== 'http:' && http.protocol !== 'https:')
    throw invalid('PDM_QUESTDB_HTTP', httpRaw ?? '', 'expected an http:// or https:// URL');
  try {
    if (pgRaw) pg = new URL(pgRaw);
  } catch {
    throw invalid('PDM_QUESTDB_PG', pgRaw ?? '', 'expected a URL such as postgres://user:password@localhost:8812/qdb');
  }
  if (pg && pg.protocol !== 'postgres:' && pg.protocol !== 'postgresql:')
    throw invalid('PDM_QUESTDB_PG', pgRaw ?? '', 'expected a postgres:// URL');

  const user = env['PDM_QUESTDB_USER'] || (pg?.username ? decodeURIComponent(pg.username) : undefined);
  const password = env['PDM_QUESTDB_PASSWORD'] || (pg?.password ? decodeURIComponent(pg.password) : undefined);
  const host = http?.hostname ?? pg?.hostname ?? 'localhost';
  const httpBase = http ? `${http.protocol}//${http.host}` : `http://${host}:9000`;
  const httpPort = http ? Number(http.port || (http.protocol === 'https:' ? 443 : 80)) : 9000;
  const derived = questdbEndpoints(host, httpPort, pg ? Number(pg.port || 8812) : 8812, user, password);
  const auth = user !== undefined && password !== undefined;
  out.questdb = {
    ...derived,
    questdbHttp: httpBase,
    questdbPg: pgRaw ?? derived.questdbPg,
    questdbIlpConfig:
      env['PDM_QUESTDB_ILP']?.trim() ||
      `${http?.protocol === 'https:' ? 'https' : 'http'}::addr=${http?.host ?? `${host}:9000`};${auth ? `username=${user};password=${password};` : ''}`,
  };
  return out;
}

/** Where SQL goes (storage/sql.ts's `questdbExec`): the HTTP URL and, when set, the credentials. */
export function questdbTarget(ep: Pick<ServiceEndpoints, 'questdbHttp' | 'questdbUser' | 'questdbPassword'>): QuestdbHttpTarget {
  return {
    httpUrl: ep.questdbHttp,
    ...(ep.questdbUser !== undefined && ep.questdbPassword !== undefined
      ? { auth: { user: ep.questdbUser, password: ep.questdbPassword } }
      : {}),
  };
}
