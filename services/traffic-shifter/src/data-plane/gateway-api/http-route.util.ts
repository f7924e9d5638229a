import { z } from 'zod';
import type { PoolRoute, RoutingTable } from '@greenlight/contracts';
import { GATEWAY_API_ERRORS, GATEWAY_API_GROUP } from './gateway-api.constants';

// Only the fields the driver reads; everything else is kept as it is (loose objects).
const ConditionSchema = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  observedGeneration: z.number().int().optional(),
});
const ParentRefSchema = z.looseObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string(),
  sectionName: z.string().optional(),
  port: z.number().int().optional(),
});
const BackendRefSchema = z.looseObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string(),
  port: z.number().int().optional(),
  weight: z.number().int().optional(),
});
const RuleSchema = z.looseObject({ backendRefs: z.array(BackendRefSchema).optional() });

export const HttpRouteSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string(),
    generation: z.number().int(),
    resourceVersion: z.string(),
  }),
  spec: z.looseObject({
    parentRefs: z.array(ParentRefSchema).optional(),
    rules: z.array(RuleSchema).optional(),
  }),
  status: z
    .looseObject({
      parents: z
        .array(
          z.looseObject({
            parentRef: ParentRefSchema,
            conditions: z.array(ConditionSchema).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export type HttpRoute = z.output<typeof HttpRouteSchema>;
export type HttpRouteRule = z.output<typeof RuleSchema>;
export type BackendRef = z.output<typeof BackendRefSchema>;
type ParentRef = z.output<typeof ParentRefSchema>;

/** Where an HTTPRoute lives (TRAFFIC_HTTPROUTE). */
export interface RouteRef {
  namespace: string;
  name: string;
}

/** The Service a pool's endpoints point at. */
export interface ServiceBackend {
  namespace: string;
  name: string;
  port: number;
}

const DNS_LABEL = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
/** <service>.<namespace>.svc, optionally followed by the cluster domain. */
const SERVICE_HOST = new RegExp(`^(${DNS_LABEL})\\.(${DNS_LABEL})\\.svc(?:\\.[a-z0-9.-]+)?\\.?$`);
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** The Service behind an endpoint URL such as http://chat-v2.ml.svc:8000, or undefined. */
export function serviceOf(url: string): ServiceBackend | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const match = SERVICE_HOST.exec(parsed.hostname);
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[parsed.protocol];
  if (!match || port === undefined) return undefined;
  return { name: match[1]!, namespace: match[2]!, port };
}

/** The one Service all endpoints of a pool point at, or why there is none. */
export function poolBackend(
  service: string,
  pool: 'blue' | 'green',
  route: PoolRoute,
): { backend: ServiceBackend } | { problem: string } {
  const backends = new Map<string, ServiceBackend>();
  for (const url of route.endpoints) {
    const backend = serviceOf(url);
    if (!backend) return { problem: GATEWAY_API_ERRORS.notAService(service, pool, url) };
    backends.set(`${backend.namespace}/${backend.name}:${backend.port}`, backend);
  }
  if (backends.size > 1) {
    return { problem: GATEWAY_API_ERRORS.severalServices(service, pool, [...backends.keys()]) };
  }
  return { backend: [...backends.values()][0]! };
}

/**
 * backendRefs for `table`: blue then green, weights = the table's percentages. A pool at 0 keeps
 * its backendRef with weight 0 (Gateway API: no traffic), so a rollback only changes weights.
 */
export function tableBackendRefs(table: RoutingTable, routeNamespace: string): BackendRef[] {
  const refs: BackendRef[] = [];
  for (const pool of ['blue', 'green'] as const) {
    const route = table.pools[pool];
    if (!route) continue;
    const found = poolBackend(table.service, pool, route);
    if ('problem' in found) throw new Error(found.problem);
    const { name, namespace, port } = found.backend;
    refs.push({
      name,
      // Cross-namespace refs need a ReferenceGrant; same-namespace ones stay short.
      ...(namespace === routeNamespace ? {} : { namespace }),
      port,
      weight: route.weight,
    });
  }
  return refs;
}

/** Every rule gets `refs`; matches, filters and timeouts stay. A route without rules gets one. */
export function withBackendRefs(
  rules: readonly HttpRouteRule[] | undefined,
  refs: BackendRef[],
): HttpRouteRule[] {
  if (!rules || rules.length === 0) return [{ backendRefs: refs }];
  return rules.map((rule) => ({ ...rule, backendRefs: refs }));
}

/** Whether the route already sends traffic as `rules` would (API-server defaults ignored). */
export function sameBackends(route: HttpRoute, rules: readonly HttpRouteRule[]): boolean {
  const current = route.spec.rules ?? [];
  const key = (rule: HttpRouteRule) =>
    (rule.backendRefs ?? []).map((ref) => backendKey(ref, route.metadata.namespace)).join(',');
  return (
    current.length === rules.length && current.every((rule, i) => key(rule) === key(rules[i]!))
  );
}

function backendKey(ref: BackendRef, routeNamespace: string): string {
  // Gateway API defaults: core group, kind Service, the route's namespace, weight 1.
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  return `${group}/${kind}/${ref.namespace ?? routeNamespace}/${ref.name}:${ref.port ?? ''}=${ref.weight ?? 1}`;
}

function parentKey(ref: ParentRef, routeNamespace: string): string {
  const group = ref.group ?? GATEWAY_API_GROUP;
  const kind = ref.kind ?? 'Gateway';
  return `${group}/${kind}/${ref.namespace ?? routeNamespace}/${ref.name}/${ref.sectionName ?? ''}/${ref.port ?? ''}`;
}

function parentLabel(ref: ParentRef, routeNamespace: string): string {
  const section = ref.sectionName ? `/${ref.sectionName}` : '';
  const port = ref.port === undefined ? '' : `:${ref.port}`;
  return `${ref.kind ?? 'Gateway'} ${ref.namespace ?? routeNamespace}/${ref.name}${section}${port}`;
}

/**
 * Why `route` is not yet served at `generation` (empty: it is). Gateway API's word for "applied":
 * every parentRef's status has Accepted=True observed at that generation or later; a
 * ResolvedRefs=False there means a backend Service is missing, so that pool would answer 500s.
 */
export function routeProblems(route: HttpRoute, generation: number): string[] {
  const namespace = route.metadata.namespace;
  const parentRefs = route.spec.parentRefs ?? [];
  if (parentRefs.length === 0) return [GATEWAY_API_ERRORS.noParents];
  const statuses = route.status?.parents ?? [];
  const problems: string[] = [];
  for (const ref of parentRefs) {
    const label = parentLabel(ref, namespace);
    const reports = statuses.filter(
      (s) => parentKey(s.parentRef, namespace) === parentKey(ref, namespace),
    );
    if (reports.length === 0) {
      problems.push(GATEWAY_API_ERRORS.noStatus(label));
      continue;
    }
    for (const report of reports) {
      const problem = parentProblem(label, report.conditions ?? [], generation);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function parentProblem(
  label: string,
  conditions: readonly z.output<typeof ConditionSchema>[],
  generation: number,
): string | undefined {
  const accepted = conditions.find((c) => c.type === 'Accepted');
  if (!accepted || (accepted.observedGeneration ?? -1) < generation) {
    return GATEWAY_API_ERRORS.stale(label, accepted?.observedGeneration);
  }
  if (accepted.status !== 'True') {
    return GATEWAY_API_ERRORS.notAccepted(label, accepted.reason ?? '', accepted.message ?? '');
  }
  const resolved = conditions.find((c) => c.type === 'ResolvedRefs');
  if (resolved?.status === 'False' && (resolved.observedGeneration ?? -1) >= generation) {
    return GATEWAY_API_ERRORS.unresolved(label, resolved.reason ?? '', resolved.message ?? '');
  }
  return undefined;
}
