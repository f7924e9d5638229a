import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  REDIS_CONNECT_TIMEOUT_MS,
  REDIS_MAX_RECONNECT_DELAY_MS,
  REDIS_MAX_RETRIES_PER_REQUEST,
  REDIS_SENTINEL_COMMAND_TIMEOUT_MS,
} from '../store.constants';
import { trackReplication } from './replication.util';

/** Reconnect and resend: the node we write to was demoted to a replica, the new primary takes it. */
const RECONNECT_AND_RESEND = 2;

/**
 * A client that reconnects forever (capped backoff) but fails each call quickly while Redis is
 * down, so callers see an error instead of a hang.
 *
 * With Sentinels it asks them for the primary on every (re)connect and checks the node really
 * is primary; a lost primary means a reconnect (and so a new question), and READONLY from a
 * demoted one means "reconnect to the new primary". (ioredis's failoverDetector once left the
 * client closed for good after a failover, so it is not used.)
 * Calls made during the failover fail fast and are retried by the caller (a NAKed message, a
 * 503); writes are confirmed on a replica (see replicated()).
 */
export function createRedisClient(
  url: string,
  name: string,
  sentinel: { sentinels?: string; sentinelName?: string } = {},
): Redis {
  const logger = new Logger(`Redis(${name})`);
  const client = new Redis(url, {
    ...(sentinel.sentinels
      ? {
          sentinels: sentinel.sentinels.split(',').map((pair) => {
            const at = pair.lastIndexOf(':');
            return { host: pair.slice(0, at), port: Number(pair.slice(at + 1)) };
          }),
          name: sentinel.sentinelName ?? 'greenlight',
          sentinelCommandTimeout: REDIS_SENTINEL_COMMAND_TIMEOUT_MS,
        }
      : {}),
    reconnectOnError: (error: Error) =>
      error.message.startsWith('READONLY') ? RECONNECT_AND_RESEND : false,
    connectionName: name,
    lazyConnect: false,
    enableReadyCheck: true,
    maxRetriesPerRequest: REDIS_MAX_RETRIES_PER_REQUEST,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, REDIS_MAX_RECONNECT_DELAY_MS),
  });
  trackReplication(client);
  // Log once per outage, not on every reconnect attempt.
  let healthy = true;
  client.on('error', (error: Error) => {
    if (!healthy) return;
    healthy = false;
    logger.warn(`connection lost: ${error.message}; reconnecting`);
  });
  client.on('ready', () => {
    if (healthy) return;
    healthy = true;
    logger.log('reconnected');
  });
  return client;
}
