/** Injection token of the shared ioredis client. */
export const REDIS_CLIENT = Symbol('greenlight:REDIS_CLIENT');

export const KEY_PREFIX = 'gl:';

/** Every Redis key greenlight writes; one place so scripts and readers agree. */
export const STORE_KEYS = {
  deployment: (id: string) => `${KEY_PREFIX}deployment:${id}`,
  /** zset of all deployment ids scored by creation time (ms). */
  deployments: `${KEY_PREFIX}deployments`,
  serviceDeployments: (service: string) => `${KEY_PREFIX}svc:${service}:deployments`,
  idempotency: (key: string) => `${KEY_PREFIX}idem:${key}`,
  /** hash { deploymentId, fence, acquiredAt } */
  lock: (service: string) => `${KEY_PREFIX}lock:${service}`,
  /** Monotonic counter: every acquisition of a service lock gets a higher fence. */
  fence: (service: string) => `${KEY_PREFIX}fence:${service}`,
  outbox: (deploymentId: string) => `${KEY_PREFIX}outbox:${deploymentId}`,
  /** set of deployment ids whose outbox is not empty. */
  outboxPending: `${KEY_PREFIX}outbox:pending`,
  /** zset timerId -> dueAt (ms), waiting to be claimed. */
  timersDue: `${KEY_PREFIX}timers:due`,
  /** zset timerId -> lease expiry (ms), claimed and being handled. */
  timersInFlight: `${KEY_PREFIX}timers:inflight`,
  /** hash timerId -> JSON { dueAt, payload }. */
  timersData: `${KEY_PREFIX}timers:data`,
  /** Counter: the last routing-table version handed out for a service (versions only grow). */
  routingVersion: (service: string) => `${KEY_PREFIX}svc:${service}:routing-version`,
  /** hash "<service>/<release>" -> JSON pool entry (who started it, how to stop it). */
  pools: `${KEY_PREFIX}pools`,
} as const;

export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
export const DEFAULT_LIST_LIMIT = 50;
export const DEFAULT_CLAIM_LIMIT = 100;

export const REDIS_MAX_RECONNECT_DELAY_MS = 2_000;
/** Small on purpose: while Redis is down a call fails in well under a second instead of hanging. */
export const REDIS_MAX_RETRIES_PER_REQUEST = 2;
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;
export const REDIS_HEALTH_TIMEOUT_MS = 1_000;
export const REDIS_HEALTH_KEY = 'redis';
/** How long a write waits for a replica's acknowledgement (WAIT 1) under Sentinel. */
export const REDIS_REPLICA_ACK_TIMEOUT_MS = 500;
/** After a WAIT found no replica, writes go unconfirmed this long before the next try. */
export const REDIS_REPLICA_RECHECK_MS = 5_000;
/** Ask a sentinel no longer than this before trying the next one. */
export const REDIS_SENTINEL_COMMAND_TIMEOUT_MS = 1_000;

export const STORE_ERRORS = {
  notFound: (id: string) => `deployment ${id} not found`,
  staleVersion: (id: string, expected: number, actual: number) =>
    `deployment ${id} is at version ${actual}, expected ${expected}: reload and retry`,
  serviceChanged: (id: string, from: string, to: string) =>
    `deployment ${id} belongs to service ${from}; it cannot move to ${to}`,
  eventWithoutId: 'every outbox event needs a string `id`',
  redisNotReady: (status: string) => `redis connection is ${status}`,
  redisPingTimeout: (ms: number) => `redis did not answer PING within ${ms} ms`,
  unexpectedScriptReply: (script: string) => `unexpected reply from store script ${script}`,
  notReplicated:
    'redis primary changed before a replica confirmed the write: its outcome is unknown, retry',
  noReplica: (ms: number) =>
    `no redis replica acknowledged a write within ${ms} ms: writes rest on the primary alone until one is back`,
} as const;
