import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Logger } from '@nestjs/common';
import type { PoolRoute, RoutingTable } from '@greenlight/contracts';
import type { DataPlaneDriver } from '../data-plane-driver';
import {
  backendName,
  endpointAddress,
  haproxyCommands,
  haproxyReplyErrors,
  type PoolServers,
  type ServerAddress,
} from './haproxy-commands.util';
import {
  HAPROXY_ERRORS,
  HAPROXY_NO_BACKEND_REPLY,
  HAPROXY_SOCKET_TIMEOUT_MS,
} from './haproxy.constants';
import { greenFraction, serverWeights } from './haproxy-weights.util';
import { sendHaproxyBatch } from './haproxy-runtime.client';

export interface HaproxyDriverOptions {
  /** Admin socket: unix path or host:port. */
  socket: string;
  /** Slots per pool in each backend (HAPROXY_SLOTS). */
  slots: number;
}

/**
 * HAProxy as a data plane: backend gl_<service> with slots blue1..N / green1..N, driven through
 * the runtime API. A change is one batch: when it is answered without error, HAProxy serves it.
 */
export class HaproxyDriver implements DataPlaneDriver {
  readonly name = 'haproxy';
  private readonly log = new Logger('HaproxyDriver');

  constructor(private readonly options: HaproxyDriverOptions) {}

  check(table: RoutingTable): string | undefined {
    for (const pool of ['blue', 'green'] as const) {
      const route = table.pools[pool];
      if (!route) continue;
      if (route.endpoints.length > this.options.slots) {
        return HAPROXY_ERRORS.tooManyEndpoints(
          table.service,
          pool,
          route.endpoints.length,
          this.options.slots,
        );
      }
      const https = route.endpoints.find((url) => !url.startsWith('http://'));
      if (https) return HAPROXY_ERRORS.notHttp(https);
    }
    return undefined;
  }

  /** An error-free answer to the batch is HAProxy's confirmation: nothing left to wait for. */
  confirm(): Promise<void> {
    return Promise.resolve();
  }

  async apply(table: RoutingTable, deadline: number): Promise<void> {
    const { blue, green } = table.pools;
    const weights = serverWeights(share(blue), share(green));
    const [blueAddresses, greenAddresses] = await Promise.all([addresses(blue), addresses(green)]);
    const pools: { blue: PoolServers | null; green: PoolServers | null } = {
      blue: blueAddresses && { addresses: blueAddresses, weights: weights.blue },
      green: greenAddresses && { addresses: greenAddresses, weights: weights.green },
    };
    const commands = haproxyCommands({ service: table.service, slots: this.options.slots, pools });
    const timeoutMs = Math.max(1, Math.min(HAPROXY_SOCKET_TIMEOUT_MS, deadline - Date.now()));
    const answer = await sendHaproxyBatch(this.options.socket, commands, timeoutMs);
    const errors = haproxyReplyErrors(commands, answer);
    if (errors.length > 0 && errors.every((e) => e.endsWith(HAPROXY_NO_BACKEND_REPLY))) {
      // Its config has no frontend for this service either: HAProxy carries none of its traffic.
      this.log.warn(
        `HAProxy has no backend ${backendName(table.service)}: ${table.service} v${table.version} is not routed through HAProxy`,
      );
      return;
    }
    if (errors.length > 0) throw new Error(HAPROXY_ERRORS.refused(this.options.socket, errors));
    this.log.debug(
      `${backendName(table.service)} v${table.version}: weights blue ${weights.blue.join(',')} green ${weights.green.join(',')} (green ${(greenFraction(weights) * 100).toFixed(2)} %)`,
    );
  }
}

function share(route: PoolRoute | null) {
  return route && { weight: route.weight, replicas: route.endpoints.length };
}

/** HAProxy's `set server addr` takes addresses only: host names are resolved here. */
async function addresses(route: PoolRoute | null): Promise<ServerAddress[] | null> {
  if (!route) return null;
  return Promise.all(
    route.endpoints.map(async (url) => {
      const address = endpointAddress(url);
      if (isIP(address.host)) return address;
      try {
        return { host: (await lookup(address.host)).address, port: address.port };
      } catch (error) {
        throw new Error(HAPROXY_ERRORS.unresolvable(address.host, (error as Error).message));
      }
    }),
  );
}
