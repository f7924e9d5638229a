import { z } from 'zod';
import {
  contractErrorMap,
  formatIssues,
  REQUIRED_MESSAGE,
  validationMessage,
  type ValidationIssue,
} from '../validation.util';

export const PORT_MESSAGE = 'must be a port number 1-65535 (or 0 for any free port)';
export const CONFIG_ERROR_PREFIX = 'invalid configuration';

export const DEFAULT_PORTS = {
  orchestrator: 7070,
  gateway: 8080,
  'health-prober': 7071,
  'eval-runner': 7072,
  'traffic-shifter': 7073,
  'cache-manager': 7074,
  drainer: 7075,
} as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Env text -> port; no default here (each service adds its own with `.default(port)`). */
export const PortSchema = z
  .string({ error: (issue) => (issue.input === undefined ? REQUIRED_MESSAGE : PORT_MESSAGE) })
  .regex(/^\d{1,5}$/, PORT_MESSAGE)
  .transform(Number)
  .refine((port) => port <= 65_535, PORT_MESSAGE);

const NATS_URL_MESSAGE = 'must be a nats:// URL, or several separated by commas (a cluster)';
const SENTINELS_MESSAGE =
  'must be host:port pairs separated by commas, e.g. 10.0.0.1:26379,10.0.0.2:26379';

export const BaseServiceConfigSchema = z.object({
  /** NATS server (JetStream enabled) the service talks through; a cluster's servers comma-separated. */
  NATS_URL: z
    .string()
    .default('nats://127.0.0.1:4222')
    .refine(
      (value) =>
        value
          .split(',')
          .every((url) => /^(nats|tls|ws|wss):\/\/[^\s/]+(:\d{1,5})?\/?$/.test(url.trim())),
      NATS_URL_MESSAGE,
    ),
  /** NATS user of this service (its subject permissions are set on the server); none when unset. */
  NATS_USER: z.string().min(1).max(128).optional(),
  /** Password of NATS_USER. Never logged. */
  NATS_PASSWORD: z.string().min(1).max(1_024).optional(),
  /** JetStream replication of the streams a service provisions: 3 on a three-node cluster. */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Redis server that holds state (with Sentinel: its password and database; the host is ignored). */
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' })
    .default('redis://127.0.0.1:6379'),
  /** Redis Sentinels (host:port, comma-separated): the primary is asked of them and followed on failover. */
  REDIS_SENTINELS: z
    .string()
    .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, SENTINELS_MESSAGE)
    .optional(),
  /** Name of the primary the Sentinels watch. */
  REDIS_SENTINEL_NAME: z.string().min(1).max(128).default('greenlight'),
  /** Interface the HTTP server (health, metrics, API) listens on. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Port of the HTTP server; `0` picks any free port. */
  PORT: PortSchema,
  /** Least severe log level written (pino). */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});
export type BaseServiceConfig = z.output<typeof BaseServiceConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`${CONFIG_ERROR_PREFIX}: ${validationMessage(issues)}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the service config once at start. An empty variable counts as unset, so `PORT=` falls
 * back to the default instead of failing; a bad value throws naming the variable.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present, { error: contractErrorMap });
  if (!result.success) throw new ConfigError(formatIssues(result.error));
  return result.data;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const KUBE_API_URL_MESSAGE = 'must be an http(s):// URL';

/**
 * How a service reaches a Kubernetes API server (the traffic-shifter's HTTPRoute driver, the
 * drainer's kubernetes pool driver): in a pod, the service account's; outside, KUBE_API_URL.
 */
export const KubeClientConfigSchema = z.object({
  /** Kubernetes API server; absent: the in-cluster one (KUBERNETES_SERVICE_HOST/PORT). */
  KUBE_API_URL: z.url({ protocol: /^https?$/, error: KUBE_API_URL_MESSAGE }).optional(),
  /** Bearer token, read on every request (rotated service-account tokens); a missing file sends none. */
  KUBE_TOKEN_FILE: z.string().min(1).default(`${SERVICE_ACCOUNT_DIR}/token`),
  /** CA bundle of the API server; a missing file means the system's CAs. */
  KUBE_CA_FILE: z.string().min(1).default(`${SERVICE_ACCOUNT_DIR}/ca.crt`),
  /** Set by Kubernetes in every pod: the in-cluster API server host. */
  KUBERNETES_SERVICE_HOST: z.string().min(1).optional(),
  /** Set by Kubernetes in every pod: the in-cluster API server port. */
  KUBERNETES_SERVICE_PORT: PortSchema.default(443),
});
export type KubeClientConfig = z.output<typeof KubeClientConfigSchema>;

/** KUBE_API_URL, else the in-cluster API server every pod is told about; undefined: neither. */
export function kubeApiUrl(config: KubeClientConfig): string | undefined {
  if (config.KUBE_API_URL) return config.KUBE_API_URL;
  const host = config.KUBERNETES_SERVICE_HOST;
  if (!host) return undefined;
  return `https://${host.includes(':') ? `[${host}]` : host}:${config.KUBERNETES_SERVICE_PORT}`;
}
