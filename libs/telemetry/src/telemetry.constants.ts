export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const TELEMETRY_OPTIONS = Symbol('TELEMETRY_OPTIONS');

/** Metadata key: a route anyone may call (health, metrics). Everything else needs a token. */
export const PUBLIC_ROUTE = 'greenlight:public';
