/** Gateway API group/version the driver reads and writes (HTTPRoute is GA in v1 since Gateway API 1.0). */
export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

export const httpRoutePath = (namespace: string, name: string) =>
  `/apis/${GATEWAY_API_VERSION}/namespaces/${namespace}/httproutes/${name}`;

/** RFC 7386: arrays are replaced whole, so `spec.rules` is sent complete. */
export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';

/** Longest one API request may take (the command's deadline bounds it further). */
export const KUBE_REQUEST_TIMEOUT_MS = 5_000;
/** How often confirm() reads the route back while its Gateway controller catches up. */
export const HTTPROUTE_POLL_MS = 250;
/** Someone else changed the route between our read and our patch: how often we read again. */
export const HTTPROUTE_PATCH_ATTEMPTS = 5;

export const TRAFFIC_HTTPROUTE_MESSAGE =
  'must be a comma-separated list of service=namespace/name (e.g. chat=ml/chat-route)';
export const KUBE_API_URL_REQUIRED_MESSAGE =
  'is required when TRAFFIC_HTTPROUTE is set outside a cluster (no KUBERNETES_SERVICE_HOST)';

export const GATEWAY_API_ERRORS = {
  notAService: (service: string, pool: string, url: string) =>
    `${pool} endpoint ${url} of ${service} is not a Kubernetes Service address (http://<name>.<namespace>.svc[.<cluster domain>]:<port>): an HTTPRoute can only send traffic to Services`,
  severalServices: (service: string, pool: string, backends: readonly string[]) =>
    `${pool} endpoints of ${service} name several Services (${backends.join(', ')}): an HTTPRoute backend is one Service per pool`,
  requestFailed: (method: string, path: string, status: number, detail: string) =>
    `${method} ${path} answered ${status}${detail ? `: ${detail}` : ''}`,
  unreachable: (method: string, path: string, detail: string) =>
    `${method} ${path} failed: ${detail}`,
  malformed: (route: string, detail: string) =>
    `HTTPRoute ${route} is not a valid HTTPRoute: ${detail}`,
  patchConflict: (route: string, attempts: number) =>
    `HTTPRoute ${route} kept changing under us (${attempts} patches lost to concurrent writers)`,
  notConfirmed: (route: string, generation: number, problems: readonly string[]) =>
    `HTTPRoute ${route} generation ${generation} not applied: ${problems.join('; ')}`,
  noParents: 'it has no parentRefs, so no Gateway serves it',
  noStatus: (parent: string) => `${parent} has not reported on the route yet`,
  stale: (parent: string, observed: number | undefined) =>
    `${parent} has not processed it yet (observedGeneration ${observed ?? 'none'})`,
  notAccepted: (parent: string, reason: string, message: string) =>
    `${parent} did not accept it (Accepted=False, ${reason}${message ? `: ${message}` : ''})`,
  unresolved: (parent: string, reason: string, message: string) =>
    `${parent} cannot resolve its backends (ResolvedRefs=False, ${reason}${message ? `: ${message}` : ''})`,
} as const;
