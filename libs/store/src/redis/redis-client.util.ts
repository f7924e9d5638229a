import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  REDIS_CONNECT_TIMEOUT_MS,
  REDIS_MAX_RECONNECT_DELAY_MS,
  REDIS_MAX_RETRIES_PER_REQUEST,
} from '../store.constants';

/**
 * A client that reconnects forever (capped backoff) but fails each call quickly while Redis is
 * down, so callers see an error instead of a hang.
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
        }
      : {}),
    connectionName: name,
    lazyConnect: false,
    enableReadyCheck: true,
    maxRetriesPerRequest: REDIS_MAX_RETRIES_PER_REQUEST,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, REDIS_MAX_RECONNECT_DELAY_MS),
  });
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
