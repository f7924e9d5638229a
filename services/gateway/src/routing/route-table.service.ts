import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  RoutingTableSchema,
  safeParse,
  validationMessage,
  type RoutingTable,
} from '@greenlight/contracts';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import { routesFilePath, type GatewayConfig } from '../config/gateway.config';
import { GatewayStats } from '../metrics/gateway-stats.service';
import { UpstreamRegistry } from '../upstream/upstream-registry.service';
import { compileRoute, type CompiledRoute, type RouteResolvers } from './compiled-route.util';
import { readRoutesFile, RoutesFileWriter } from './routes-file.util';

/** applied: now in force; current: that version is already in force; stale: older, ignored. */
export type ApplyOutcome = 'applied' | 'current' | 'stale';

/**
 * The routing tables this instance serves, one immutable compiled route per service. Tables
 * from the persisted file are in force before the first request; later ones come from the KV
 * watcher. Versions only grow: an older or equal version never replaces what is applied.
 */
@Injectable()
export class RouteTableService implements OnModuleInit {
  private readonly logger = new Logger(RouteTableService.name);
  private readonly routes = new Map<string, CompiledRoute>();
  private readonly file: RoutesFileWriter;
  private readonly resolvers: RouteResolvers;

  constructor(
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
    private readonly upstreams: UpstreamRegistry,
    stats: GatewayStats,
  ) {
    this.file = new RoutesFileWriter(routesFilePath(config));
    this.resolvers = {
      upstream: (url) => upstreams.acquire(url),
      stats: (service, pool, release, replica) => stats.statsFor(service, pool, release, replica),
      cacheStats: (service, pool) => stats.cacheStatsFor(service, pool),
    };
  }

  /** Serve the last tables at once, before NATS is even tried (fail-static across restarts). */
  onModuleInit(): void {
    let stored: unknown[];
    try {
      stored = readRoutesFile(this.file.path);
    } catch (error) {
      this.logger.error(`${(error as Error).message}; starting without routes`);
      return;
    }
    for (const raw of stored) {
      const parsed = safeParse(RoutingTableSchema, raw);
      if (!parsed.ok) {
        this.logger.warn(
          `ignoring an invalid table in ${this.file.path}: ${validationMessage(parsed.issues)}`,
        );
        continue;
      }
      this.apply(parsed.value);
    }
    if (this.routes.size > 0) {
      this.logger.log(`serving ${describe(this.versions())} from ${this.file.path}`);
    }
  }

  get(service: string): CompiledRoute | undefined {
    return this.routes.get(service);
  }

  apply(table: RoutingTable): ApplyOutcome {
    const current = this.routes.get(table.service);
    if (current) {
      if (table.version < current.table.version) return 'stale';
      if (table.version === current.table.version) return 'current';
    }
    this.routes.set(table.service, compileRoute(table, this.resolvers));
    this.releaseUnused();
    return 'applied';
  }

  /** The service is no longer routed (its key was deleted); in-flight requests finish. */
  remove(service: string): boolean {
    const removed = this.routes.delete(service);
    if (removed) this.releaseUnused();
    return removed;
  }

  /** Writes what is in force now; resolves once it is on disk (acks wait for this). */
  persist(): Promise<void> {
    return this.file.save(this.tables());
  }

  tables(): RoutingTable[] {
    return [...this.routes.values()].map((route) => route.table);
  }

  services(): string[] {
    return [...this.routes.keys()];
  }

  versions(): Record<string, number> {
    const versions: Record<string, number> = {};
    for (const [service, route] of this.routes) versions[service] = route.table.version;
    return versions;
  }

  private releaseUnused(): void {
    const inUse = new Set<string>();
    for (const route of this.routes.values()) {
      for (const pool of [route.blue, route.green]) {
        for (const target of pool?.targets ?? []) inUse.add(target.url);
      }
    }
    this.upstreams.retainOnly(inUse);
  }
}

function describe(versions: Record<string, number>): string {
  return Object.entries(versions)
    .map(([service, version]) => `${service}@${version}`)
    .join(', ');
}
