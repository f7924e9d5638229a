import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { BaseServiceConfigSchema, DEFAULT_PORTS, PortSchema } from '@greenlight/contracts';

const INSTANCE_ID = /^[A-Za-z0-9._:-]{1,100}$/;
export const INSTANCE_ID_MESSAGE =
  'must be 1-100 characters of letters, digits, ".", "_", ":" and "-"';
export const EMBEDDINGS_MODEL_REQUIRED_MESSAGE = 'is required when GATEWAY_EMBEDDINGS_URL is set';
export const DEFAULT_DATA_DIR = join('.greenlight', 'data');

const millis = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const GatewayConfigSchema = BaseServiceConfigSchema.extend({
  PORT: PortSchema.default(DEFAULT_PORTS['gateway']),
  /** Names this instance in acks, heartbeats and metrics; `<hostname>:<port>:<pid>` when unset. */
  GATEWAY_INSTANCE: z.string().regex(INSTANCE_ID, INSTANCE_ID_MESSAGE).optional(),
  /** Where the applied routing tables are kept for a restart without NATS. */
  ROUTES_FILE: z.string().min(1).optional(),
  /** Where kept routing tables go (`gateway-routes-<port>.json`) when `ROUTES_FILE` is unset. */
  POOL_DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  /** Upper bound of kept-alive connections to one replica (undici Pool `connections`). */
  GATEWAY_UPSTREAM_CONNECTIONS: z.coerce.number().int().min(1).max(10_000).default(256),
  /** Longest wait for a TCP connection to a replica. */
  GATEWAY_CONNECT_TIMEOUT_MS: millis(50, 60_000, 2_000),
  /** Until the replica's response headers: covers queueing and prefill of a long prompt. */
  GATEWAY_HEADERS_TIMEOUT_MS: millis(100, 3_600_000, 300_000),
  /** Longest silence between two body chunks (a stalled stream). */
  GATEWAY_BODY_TIMEOUT_MS: millis(100, 3_600_000, 300_000),
  /** On SIGTERM, how long in-flight requests (streams) may take to finish before they are cut. */
  GATEWAY_SHUTDOWN_TIMEOUT_MS: millis(0, 3_600_000, 30_000),
  /** Largest request body accepted (bigger: 413). */
  GATEWAY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(256 * 1024 * 1024)
    .default(16 * 1024 * 1024),
  /** off: no semantic-cache lookups or stores at all, whatever the routing tables say. */
  GATEWAY_SEMANTIC_CACHE: z.enum(['on', 'off']).default('on'),
  /** Where semantic-cache entries live; the same as the cache-manager's. */
  GATEWAY_SEMANTIC_BACKEND: z.enum(['redis', 'qdrant']).default('redis'),
  /** Qdrant server of the semantic cache (when its backend is `qdrant`). */
  QDRANT_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s):// URL' })
    .default('http://127.0.0.1:6333'),
  /** Cosine similarity at or above which a stored question counts as the same one (lib default). */
  GATEWAY_SEMANTIC_THRESHOLD: z.coerce.number().gt(0).max(1).optional(),
  /** Seconds a stored answer lives. */
  GATEWAY_SEMANTIC_TTL: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 3600)
    .default(3600),
  /** A lookup slower than this is a miss: the cache may only ever save time. */
  GATEWAY_SEMANTIC_LOOKUP_TIMEOUT_MS: millis(1, 5_000, 20),
  /** OpenAI-compatible /v1/embeddings server; unset: the backend's built-in local embedding. */
  GATEWAY_EMBEDDINGS_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s):// URL' })
    .optional(),
  /** Model asked for embeddings; required with `GATEWAY_EMBEDDINGS_URL`. */
  GATEWAY_EMBEDDINGS_MODEL: z.string().min(1).optional(),
}).superRefine((config, ctx) => {
  if (config.GATEWAY_EMBEDDINGS_URL && !config.GATEWAY_EMBEDDINGS_MODEL) {
    ctx.addIssue({
      code: 'custom',
      path: ['GATEWAY_EMBEDDINGS_MODEL'],
      message: EMBEDDINGS_MODEL_REQUIRED_MESSAGE,
    });
  }
});

export type GatewayConfig = z.output<typeof GatewayConfigSchema>;

/** `<hostname>:<port>:<pid>`, with characters an instance id may not hold replaced. */
export function gatewayInstanceId(config: GatewayConfig, port: number = config.PORT): string {
  if (config.GATEWAY_INSTANCE) return config.GATEWAY_INSTANCE;
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-');
  return `${host}:${port}:${process.pid}`.slice(-100);
}

export function routesFilePath(config: GatewayConfig, port: number = config.PORT): string {
  return config.ROUTES_FILE ?? join(config.POOL_DATA_DIR, `gateway-routes-${port}.json`);
}
