/**
 * The one error catalogue. Every error the product raises on purpose carries a stable code
 * `PDM_ERR_<AREA>_<WHAT>` and a `retriable` flag; retry and back-pressure decisions read the
 * flag, never the message text. Messages name what is wrong, where, and what to do next.
 */
export const ERROR_CATALOGUE = {
  PDM_ERR_CONFIG_INVALID: { retriable: false, summary: 'a configuration file or option is invalid' },
  PDM_ERR_INPUT_FILE: { retriable: false, summary: 'an input file is unreadable or malformed' },
  PDM_ERR_INPUT_VALUE: { retriable: false, summary: 'an input value is out of range or not a number' },
  PDM_ERR_BEARING_UNKNOWN: { retriable: false, summary: 'a bearing name is not in the catalogue' },
  PDM_ERR_FRAME_DECODE: { retriable: false, summary: 'a vibration frame cannot be decoded' },
  PDM_ERR_FRAME_VERSION: { retriable: false, summary: 'a vibration frame has an unknown version' },
  PDM_ERR_FRAME_INVALID: { retriable: false, summary: 'a decoded vibration frame breaks a rule' },
  PDM_ERR_ENV_JAVA: { retriable: false, summary: 'Java is missing or too old' },
  PDM_ERR_ENV_MAVEN: { retriable: false, summary: 'Maven is missing or cannot fetch an artifact' },
  PDM_ERR_ENV_PORT: { retriable: false, summary: 'a port the launcher needs is taken' },
  PDM_ERR_ENV_DISK: { retriable: false, summary: 'not enough free disk space' },
  PDM_ERR_SERVICE_START: { retriable: true, summary: 'a local service did not become healthy' },
  PDM_ERR_KAFKA_UNAVAILABLE: { retriable: true, summary: 'Kafka cannot be reached' },
  PDM_ERR_KAFKA_AUTH: { retriable: false, summary: 'Kafka refused the user name or password, or an ACL denies the operation' },
  PDM_ERR_QUESTDB_UNAVAILABLE: { retriable: true, summary: 'QuestDB cannot be reached' },
  PDM_ERR_QUESTDB_REJECTED: { retriable: false, summary: 'QuestDB rejected rows' },
  PDM_ERR_QUESTDB_AUTH: { retriable: false, summary: 'QuestDB refused the user name or password' },
  PDM_ERR_OPCUA_CONNECT: { retriable: true, summary: 'an OPC UA server cannot be reached' },
  PDM_ERR_OPCUA_SECURITY: { retriable: false, summary: 'OPC UA security (certificate or credentials) was refused' },
  PDM_ERR_OPCUA_NODE: { retriable: false, summary: 'an OPC UA node is missing or of the wrong type' },
  PDM_ERR_SPOOL: {
    retriable: false,
    summary: "the collector's on-disk spool cannot be used (locked by another process, unwritable, or a record too large)",
  },
  PDM_ERR_WORKER: { retriable: true, summary: 'a worker thread failed' },
  PDM_ERR_MODEL_STATE: { retriable: false, summary: 'model state cannot be restored' },
  PDM_ERR_DASHBOARD_INVALID: { retriable: false, summary: 'a dashboard definition or one of its queries is invalid' },
} as const satisfies Record<string, { retriable: boolean; summary: string }>;

export type PdmErrorCode = keyof typeof ERROR_CATALOGUE;

export class PdmError extends Error {
  readonly code: PdmErrorCode;
  readonly retriable: boolean;
  /** Machine-readable context (file, machine, channel, field...) for logs and dead letters. */
  readonly details: Record<string, unknown>;

  constructor(code: PdmErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PdmError';
    this.code = code;
    this.retriable = ERROR_CATALOGUE[code].retriable;
    this.details = details;
  }
}

export function isPdmError(err: unknown, code?: PdmErrorCode): err is PdmError {
  return err instanceof PdmError && (code === undefined || err.code === code);
}

/** Retriable unless we know better: unknown errors (network resets...) are worth another try. */
export function isRetriable(err: unknown): boolean {
  return err instanceof PdmError ? err.retriable : true;
}

/** One line for a person: code, message, and the cause's message when there is one. */
export function describeError(err: unknown): string {
  if (err instanceof PdmError) {
    const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
    return `${err.code}: ${err.message}${cause}`;
  }
  return err instanceof Error ? err.message : String(err);
}
