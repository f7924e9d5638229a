export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';
export const COMPLETIONS_PATH = '/v1/completions';
export const MODELS_PATH = '/v1/models';
/** Requests under this prefix are the data plane; everything else goes to the Nest app. */
export const DATA_PLANE_PREFIX = '/v1/';

export const POOL_HEADER = 'x-greenlight-pool';
export const VERSION_HEADER = 'x-greenlight-version';
export const SESSION_HEADER = 'x-session-id';
/** hit | miss | bypass: what the semantic cache did for the request. */
export const CACHE_HEADER = 'x-greenlight-cache';
/** On a hit: the generation the answer was served from (always the routed pool's). */
export const CACHE_GENERATION_HEADER = 'x-greenlight-cache-generation';
export const CACHE_CONTROL_HEADER = 'cache-control';

/** Never forwarded: they describe one hop's connection, not the request (RFC 9110 §7.6.1). */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Transport failures before any response byte: the replica never took the request. */
export const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * A kept-alive connection the replica closed as we reused it: retrying on the same replica is
 * worth it when the pool has no other (a fresh connection will do).
 */
export const STALE_CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

export const TIMEOUT_ERROR_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

export const PROXY_ERRORS = {
  invalidJson: (reason: string) => `request body is not valid JSON: ${reason}`,
  notAnObject: 'request body must be a JSON object',
  missingModel: 'you must provide a model parameter (the model service name)',
  unknownModel: (model: string, known: readonly string[]) =>
    `The model \`${model}\` does not exist on this gateway (routed: ${known.length > 0 ? known.join(', ') : 'none'}).`,
  tooLarge: (limit: number) => `request body is larger than ${limit} bytes`,
  methodNotAllowed: (method: string, path: string) => `${method} is not allowed on ${path}`,
  noRoute: (method: string, path: string) => `no route ${method} ${path}`,
  upstreamFailed: (pool: string, release: string, reason: string) =>
    `the ${pool} pool (${release}) could not be reached: ${reason}`,
  upstreamTimeout: (pool: string, release: string, reason: string) =>
    `the ${pool} pool (${release}) did not answer in time: ${reason}`,
  shuttingDown: 'the gateway is shutting down',
  internal: 'the gateway failed to answer the request; it is safe to retry',
} as const;
