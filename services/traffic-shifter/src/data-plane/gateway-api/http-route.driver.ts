import { Logger } from '@nestjs/common';
import type { RoutingTable } from '@greenlight/contracts';
import type { DataPlaneDriver } from '../data-plane-driver';
import {
  GATEWAY_API_ERRORS,
  HTTPROUTE_PATCH_ATTEMPTS,
  HTTPROUTE_POLL_MS,
  httpRoutePath,
  KUBE_REQUEST_TIMEOUT_MS,
  MERGE_PATCH_CONTENT_TYPE,
} from './gateway-api.constants';
import type { HttpRouteMap } from './http-route-config.schema';
import {
  kubeErrorMessage,
  type KubeApi,
  type KubeRequest,
  type KubeResponse,
} from '@greenlight/pools';
import {
  HttpRouteSchema,
  poolBackend,
  routeProblems,
  sameBackends,
  tableBackendRefs,
  withBackendRefs,
  type HttpRoute,
  type RouteRef,
} from './http-route.util';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface HttpRouteDriverOptions {
  api: KubeApi;
  /** Which HTTPRoute carries each model service (TRAFFIC_HTTPROUTE); others are not routed here. */
  routes: HttpRouteMap;
  clock?: Clock;
  pollIntervalMs?: number;
}

/**
 * Gateway API as a data plane: per model service one HTTPRoute whose rules send traffic to the
 * blue and green Services with the table's weights. Apply = one merge patch of spec.rules
 * (guarded by resourceVersion); confirm = every parent Gateway reports Accepted=True at the
 * written generation or later.
 */
export class HttpRouteDriver implements DataPlaneDriver {
  readonly name = 'gateway-api';
  private readonly log = new Logger('HttpRouteDriver');
  private readonly clock: Clock;
  /** `service@version` → the route generation that carries it, from apply() to confirm(). */
  private readonly written = new Map<string, number>();

  constructor(private readonly options: HttpRouteDriverOptions) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  check(table: RoutingTable): string | undefined {
    if (!this.routeOf(table.service)) return undefined;
    for (const pool of ['blue', 'green'] as const) {
      const route = table.pools[pool];
      if (!route) continue;
      const found = poolBackend(table.service, pool, route);
      if ('problem' in found) return found.problem;
    }
    return undefined;
  }

  /** Idempotent: a route that already has these weights is not patched (no new generation). */
  async apply(table: RoutingTable, deadline: number): Promise<void> {
    const ref = this.routeOf(table.service);
    if (!ref) {
      this.log.debug(
        `${table.service} has no HTTPRoute (TRAFFIC_HTTPROUTE): not routed through Gateway API`,
      );
      return;
    }
    const refs = tableBackendRefs(table, ref.namespace);
    const path = httpRoutePath(ref.namespace, ref.name);
    for (let attempt = 1; attempt <= HTTPROUTE_PATCH_ATTEMPTS; attempt++) {
      const route = await this.read(ref, deadline);
      const rules = withBackendRefs(route.spec.rules, refs);
      if (sameBackends(route, rules)) {
        this.remember(table, route.metadata.generation);
        return;
      }
      const patch: KubeRequest = {
        method: 'PATCH',
        path,
        contentType: MERGE_PATCH_CONTENT_TYPE,
        // resourceVersion makes the patch fail (409) if the route changed since we read it.
        body: { metadata: { resourceVersion: route.metadata.resourceVersion }, spec: { rules } },
        timeoutMs: this.timeout(deadline),
      };
      const response = await this.send(patch);
      if (response.status === 409) continue;
      const patched = this.parse(ref, expectOk(patch, response));
      this.remember(table, patched.metadata.generation);
      this.log.debug(
        `HTTPRoute ${label(ref)} generation ${patched.metadata.generation}: ${refs.map((r) => `${r.name}=${r.weight}`).join(' ')} (${table.service} v${table.version})`,
      );
      return;
    }
    throw new Error(GATEWAY_API_ERRORS.patchConflict(label(ref), HTTPROUTE_PATCH_ATTEMPTS));
  }

  async confirm(table: RoutingTable, deadline: number): Promise<void> {
    const ref = this.routeOf(table.service);
    if (!ref) return;
    const key = `${table.service}@${table.version}`;
    try {
      let generation = this.written.get(key);
      for (;;) {
        const route = await this.read(ref, deadline);
        // apply() always runs first; without its note, the route as it is now must be served.
        generation ??= route.metadata.generation;
        const problems = routeProblems(route, generation);
        if (problems.length === 0) return;
        const left = deadline - this.clock.now();
        if (left <= 0) {
          throw new Error(GATEWAY_API_ERRORS.notConfirmed(label(ref), generation, problems));
        }
        await this.clock.sleep(Math.min(this.options.pollIntervalMs ?? HTTPROUTE_POLL_MS, left));
      }
    } finally {
      this.written.delete(key);
    }
  }

  private routeOf(service: string): RouteRef | undefined {
    return Object.hasOwn(this.options.routes, service) ? this.options.routes[service] : undefined;
  }

  private remember(table: RoutingTable, generation: number): void {
    this.written.set(`${table.service}@${table.version}`, generation);
  }

  /** One API request; a network failure says which request it was. */
  private async send(req: KubeRequest): Promise<KubeResponse> {
    try {
      return await this.options.api.request(req);
    } catch (error) {
      throw new Error(
        GATEWAY_API_ERRORS.unreachable(req.method, req.path, (error as Error).message),
      );
    }
  }

  private async read(ref: RouteRef, deadline: number): Promise<HttpRoute> {
    const get: KubeRequest = {
      method: 'GET',
      path: httpRoutePath(ref.namespace, ref.name),
      timeoutMs: this.timeout(deadline),
    };
    return this.parse(ref, expectOk(get, await this.send(get)));
  }

  private parse(ref: RouteRef, body: unknown): HttpRoute {
    const parsed = HttpRouteSchema.safeParse(body);
    if (parsed.success) return parsed.data;
    const detail = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(GATEWAY_API_ERRORS.malformed(label(ref), detail));
  }

  private timeout(deadline: number): number {
    return Math.max(1, Math.min(KUBE_REQUEST_TIMEOUT_MS, deadline - this.clock.now()));
  }
}

function label(ref: RouteRef): string {
  return `${ref.namespace}/${ref.name}`;
}

function expectOk(req: KubeRequest, response: KubeResponse): unknown {
  if (response.status >= 200 && response.status < 300) return response.body;
  throw new Error(
    GATEWAY_API_ERRORS.requestFailed(
      req.method,
      req.path,
      response.status,
      kubeErrorMessage(response.body),
    ),
  );
}
