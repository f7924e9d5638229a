import { connect, type NatsConnection } from 'nats';
import { inboxPrefixFor } from '@greenlight/contracts';
import type { BusOptions } from './bus.options';

/**
 * A server that vanished without closing the socket (a host lost, a partition) is noticed after
 * NATS_PING_INTERVAL_MS × NATS_MAX_PINGS_OUT, not nats.js's default 4 minutes; the client then
 * moves to another node of the cluster.
 */
export const NATS_PING_INTERVAL_MS = 5_000;
export const NATS_MAX_PINGS_OUT = 3;

/**
 * One connection per process; it reconnects forever (the data plane must outlive a NATS outage).
 * With a cluster, NATS_URL lists several nodes: the client picks one at random (spreading the
 * services), learns the others from the server, and fails over to them when its node goes away.
 */
export function connectNats(options: BusOptions): Promise<NatsConnection> {
  return connect({
    servers: options.servers.split(',').map((s) => s.trim()),
    name: `greenlight-${options.component}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: NATS_PING_INTERVAL_MS,
    maxPingOut: NATS_MAX_PINGS_OUT,
    waitOnFirstConnect: true,
    ...(options.user
      ? { user: options.user, pass: options.pass ?? '', inboxPrefix: inboxPrefixFor(options.user) }
      : {}),
  });
}
