import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  REDIS_REPLICA_ACK_TIMEOUT_MS,
  REDIS_REPLICA_RECHECK_MS,
  STORE_ERRORS,
} from '../store.constants';

/** Raised when a write reached the primary but may not have reached a replica before it changed. */
export class NotReplicatedError extends Error {
  constructor() {
    super(STORE_ERRORS.notReplicated);
    this.name = 'NotReplicatedError';
  }
}

interface Guard {
  /** Bumped on every (re)connection: a WAIT on a new connection proves nothing about older writes. */
  epoch: number;
  /** While no replica answers, writes are not held up waiting for one (until this time, ms). */
  degradedUntil: number;
  degraded: boolean;
}

const guards = new WeakMap<Redis, Guard>();
const logger = new Logger('RedisReplication');

/** Sentinel mode is where a failover promotes a replica, and with it, its view of the writes. */
function guardOf(redis: Redis): Guard | undefined {
  if ((redis.options.sentinels?.length ?? 0) === 0) return undefined;
  let guard = guards.get(redis);
  if (!guard) {
    const created: Guard = { epoch: 0, degradedUntil: 0, degraded: false };
    redis.on('ready', () => created.epoch++);
    guards.set(redis, created);
    guard = created;
  }
  return guard;
}

/** Starts tracking a client's connections; createRedisClient calls it before the first connect. */
export function trackReplication(redis: Redis): void {
  guardOf(redis);
}

/**
 * Runs a write, then waits (WAIT 1) until a replica has it, so a Sentinel failover right after
 * cannot promote a replica that never saw an acknowledged write. Redis replicates
 * asynchronously; this is what makes "acknowledged" mean "on two nodes".
 *
 * - Without Sentinels (one Redis, AOF) it is just the write.
 * - If the connection changed between the write and the WAIT (the primary died), the outcome is
 *   unknown: NotReplicatedError, and the caller retries its idempotent step.
 * - If no replica answers within REDIS_REPLICA_ACK_TIMEOUT_MS (the replica is down), the write
 *   stands on the primary alone: logged once, and writes stop waiting for a replica for
 *   REDIS_REPLICA_RECHECK_MS. Availability wins there; a failover then has no replica to
 *   promote until one resyncs in full from this primary.
 */
export async function replicated<T>(redis: Redis, write: () => Promise<T>): Promise<T> {
  const guard = guardOf(redis);
  if (!guard) return write();
  const result = await write();
  // The reply came on the current connection; the WAIT must run on that same one.
  const epoch = guard.epoch;
  if (Date.now() < guard.degradedUntil) return result;
  let acked: number;
  try {
    acked = await redis.wait(1, REDIS_REPLICA_ACK_TIMEOUT_MS);
  } catch {
    throw new NotReplicatedError();
  }
  if (guard.epoch !== epoch) throw new NotReplicatedError();
  if (acked >= 1) {
    if (guard.degraded) logger.log('a replica acknowledges writes again');
    guard.degraded = false;
    return result;
  }
  if (!guard.degraded) logger.warn(STORE_ERRORS.noReplica(REDIS_REPLICA_ACK_TIMEOUT_MS));
  guard.degraded = true;
  guard.degradedUntil = Date.now() + REDIS_REPLICA_RECHECK_MS;
  return result;
}
