import { connect, type NatsConnection } from 'nats';
import type { BusOptions } from './bus.options';

/** One connection per process; it reconnects forever (the data plane must outlive a NATS outage). */
export function connectNats(options: BusOptions): Promise<NatsConnection> {
  return connect({
    servers: options.servers.split(',').map((s) => s.trim()),
    name: `greenlight-${options.component}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    waitOnFirstConnect: true,
    ...(options.user ? { user: options.user, pass: options.pass ?? '' } : {}),
  });
}
