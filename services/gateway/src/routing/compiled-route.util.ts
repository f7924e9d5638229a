import type { PoolRoute, RoutingTable } from '@greenlight/contracts';
import type { CacheStats } from '../metrics/cache-stats';
import type { ReplicaStats } from '../metrics/replica-stats';
import type { PickCursor, Pickable } from '../split/replica-picker.util';
import { poolForPoint, type PoolColour } from '../split/split.util';
import type { Upstream } from '../upstream/upstream-registry.service';

/** One replica of a pool, with the objects the hot path touches resolved in advance. */
export interface RouteTarget extends Pickable {
  readonly url: string;
  readonly upstream: Upstream;
  readonly stats: ReplicaStats;
}

export interface ActivePool {
  readonly colour: PoolColour;
  readonly release: string;
  readonly weight: number;
  /** The semantic-cache generation the pool serves from and stores to; undefined: no cache. */
  readonly generation: string | undefined;
  readonly cache: CacheStats;
  readonly targets: readonly RouteTarget[];
  /** Round-robin position among equally loaded replicas (the only mutable part). */
  readonly cursor: PickCursor;
}

/**
 * A routing table as the proxy uses it. Never changed after it is built: a new version is a new
 * object swapped in whole, so a request sees the old table or the new one, never a mix.
 */
export interface CompiledRoute {
  readonly table: RoutingTable;
  readonly blue: ActivePool | null;
  readonly green: ActivePool | null;
  /** Green's weight, 0 without a green pool. */
  readonly greenWeight: number;
}

export interface RouteResolvers {
  upstream(url: string): Upstream;
  stats(service: string, pool: PoolColour, release: string, replica: string): ReplicaStats;
  cacheStats(service: string, pool: PoolColour): CacheStats;
}

function compilePool(
  service: string,
  colour: PoolColour,
  route: PoolRoute | null,
  resolve: RouteResolvers,
): ActivePool | null {
  if (!route) return null;
  const targets = route.endpoints.map((url) =>
    Object.freeze({
      url,
      upstream: resolve.upstream(url),
      stats: resolve.stats(service, colour, route.release, url),
    }),
  );
  return Object.freeze({
    colour,
    release: route.release,
    weight: route.weight,
    generation: route.generation,
    cache: resolve.cacheStats(service, colour),
    targets: Object.freeze(targets),
    cursor: { next: 0 },
  });
}

export function compileRoute(table: RoutingTable, resolve: RouteResolvers): CompiledRoute {
  return Object.freeze({
    table: deepFreeze(structuredClone(table)),
    blue: compilePool(table.service, 'blue', table.pools.blue, resolve),
    green: compilePool(table.service, 'green', table.pools.green, resolve),
    greenWeight: table.pools.green?.weight ?? 0,
  });
}

/**
 * The pool for a request at `point`. Weights of the pools present sum to 100, so a pool of
 * weight 0 is never chosen and a missing pool only when the other one carries everything.
 */
export function choosePool(route: CompiledRoute, point: number): ActivePool {
  const wanted = poolForPoint(point, route.greenWeight) === 'green' ? route.green : route.blue;
  return (wanted ?? route.blue ?? route.green)!;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
