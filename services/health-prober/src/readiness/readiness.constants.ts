/** Who the prober's events name as their actor. */
export const READINESS_ACTOR = 'system:health-prober';

/**
 * Retry delay after a failed attempt: starts small, doubles, capped so a replica is seen ready
 * within a quarter second of serving (4 cheap probes a second during a 30-90 s cold start).
 */
export const RETRY_BASE_DELAY_MS = 100;
export const RETRY_MAX_DELAY_MS = 250;

/** Per-attempt time limits; an attempt never outlives the deadline either. */
export const CONNECT_TIMEOUT_MS = 2_000;
export const HTTP_TIMEOUT_MS = 2_000;
export const WARMUP_TIMEOUT_MS = 60_000;

/** Bodies larger than this are not a health answer or a model list: refuse to buffer them. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

export const HEALTH_PATH = '/health';
export const MODELS_PATH = '/v1/models';
export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

/** A warm-up completion: short prompt, few tokens, deterministic. */
export const WARMUP_PROMPT = 'Reply with one word: ready.';
export const WARMUP_MAX_TOKENS = 8;

/** Why a probe run was aborted, other than the deadline. */
export const ABORT_REASONS = {
  deploymentEnded: 'deployment ended',
  shutdown: 'health-prober is shutting down',
} as const;

/** What a user reads in pool.failed: the replica's last error, in words. */
export const READINESS_ERRORS = {
  connectionRefused: 'connection refused (the server is still loading or crashed)',
  connectionReset: 'the connection was closed before an answer (the server may have crashed)',
  hostUnreachable: (host: string) => `host ${host} is unreachable`,
  hostUnknown: (host: string) => `host name ${host} does not resolve`,
  connectTimeout: (seconds: string) => `no TCP connection within ${seconds} s`,
  noAnswer: (path: string, seconds: string) => `${path} did not answer within ${seconds} s`,
  network: (detail: string) => `network error: ${detail}`,
  status: (path: string, status: number, detail: string) =>
    `${path} answered ${status}${detail ? `: ${detail}` : ''}`,
  notJson: (path: string) => `${path} did not answer with JSON`,
  notModelList: `${MODELS_PATH} did not answer with a model list ({"data": [{"id": ...}]})`,
  modelMissing: (model: string, listed: readonly string[]) =>
    `${MODELS_PATH} does not list ${JSON.stringify(model)} (it lists ${
      listed.length ? listed.map((id) => JSON.stringify(id)).join(', ') : 'no models'
    })`,
  emptyCompletion: `${CHAT_COMPLETIONS_PATH} answered 200 without a message (choices[0].message is empty)`,
  warmupFailed: (n: number, of: number, detail: string) =>
    `warm-up completion ${n} of ${of} failed: ${detail}`,
  notProbed: 'it was not probed before the deadline',
  notReady: (replica: number, url: string, seconds: string, detail: string) =>
    `replica ${replica} (${url}) not ready after ${seconds} s: ${detail}`,
  othersNotReady: (count: number) =>
    ` (${count} other replica${count === 1 ? ' was' : 's were'} not ready either)`,
  invalidUrl: (url: string) => `endpoint URL ${url} has no usable host and port`,
} as const;

/** Injection token: () => ProbeTransport, one per probe run (undici in production). */
export const PROBE_TRANSPORT_FACTORY = Symbol('PROBE_TRANSPORT_FACTORY');
