import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'undici';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import type { GatewayConfig } from '../config/gateway.config';

/** One replica as the proxy reaches it: a kept-alive connection pool and its load from here. */
export class Upstream {
  /** Requests from this gateway in flight on the replica, whatever service or pool sent them. */
  inFlight = 0;
  /** Prepended to the request path when the endpoint URL carries one (`http://h:1/base`). */
  readonly basePath: string;

  constructor(
    readonly url: string,
    readonly pool: Pool,
  ) {
    const { pathname } = new URL(url);
    this.basePath = pathname === '/' ? '' : pathname.replace(/\/+$/, '');
  }
}

/** Closing pools of replicas no table routes to any more: their in-flight requests finish first. */
@Injectable()
export class UpstreamRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger(UpstreamRegistry.name);
  private readonly upstreams = new Map<string, Upstream>();

  constructor(@Inject(SERVICE_CONFIG) private readonly config: GatewayConfig) {}

  acquire(url: string): Upstream {
    let upstream = this.upstreams.get(url);
    if (!upstream) {
      const pool = new Pool(new URL(url).origin, {
        connections: this.config.GATEWAY_UPSTREAM_CONNECTIONS,
        // One request per connection at a time: a long stream must not hold up the next request.
        pipelining: 1,
        connectTimeout: this.config.GATEWAY_CONNECT_TIMEOUT_MS,
        headersTimeout: this.config.GATEWAY_HEADERS_TIMEOUT_MS,
        bodyTimeout: this.config.GATEWAY_BODY_TIMEOUT_MS,
      });
      upstream = new Upstream(url, pool);
      this.upstreams.set(url, upstream);
    }
    return upstream;
  }

  /** Lets go of every replica not in `inUse`; a stream still running on one keeps going. */
  retainOnly(inUse: ReadonlySet<string>): void {
    for (const [url, upstream] of this.upstreams) {
      if (inUse.has(url)) continue;
      this.upstreams.delete(url);
      upstream.pool.close().catch((error: unknown) => {
        this.logger.warn(`closing the pool of ${url} failed: ${String(error)}`);
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const pools = [...this.upstreams.values()].map((u) => u.pool);
    this.upstreams.clear();
    await Promise.allSettled(pools.map((pool) => pool.destroy()));
  }
}
