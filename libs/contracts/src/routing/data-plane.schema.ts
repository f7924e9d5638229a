import { z } from 'zod';
import { ServiceNameSchema } from '../events/envelope.schema';
import { ReleaseVersionSchema } from '../manifest/deploy-request.schema';

/**
 * The data plane's wire protocol (core NATS, not JetStream: these are live signals, not records).
 *
 * - Routing tables: NATS KV bucket ROUTES_BUCKET, key = service, value = RoutingTable. Only the
 *   traffic-shifter writes; every gateway instance watches it.
 * - A gateway instance that applied a table answers on DATA_PLANE_SUBJECTS.ack.
 * - Every instance announces itself each HEARTBEAT_MS on DATA_PLANE_SUBJECTS.heartbeat, with the
 *   table version it serves per service: the shifter's list of instances that must acknowledge.
 * - Per service, every METRICS_INTERVAL_MS, each instance publishes cumulative per-pool metrics on
 *   gatewayMetricsSubject(service): analysis and draining difference successive snapshots.
 */
export const ROUTES_BUCKET = 'GL_ROUTES';

export const DATA_PLANE_SUBJECTS = {
  ack: 'greenlight.dataplane.ack',
  heartbeat: 'greenlight.dataplane.heartbeat',
} as const;

export function gatewayMetricsSubject(service: string): string {
  return `greenlight.metrics.gateway.${service}`;
}

export const HEARTBEAT_MS = 1_000;
/** An instance silent for this long is no longer waited for. */
export const INSTANCE_TTL_MS = 3_500;
export const METRICS_INTERVAL_MS = 1_000;

const InstanceIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be an instance id');

export const DataPlaneAckSchema = z.object({
  instance: InstanceIdSchema,
  service: ServiceNameSchema,
  version: z.number().int().min(0),
  appliedAt: z.iso.datetime(),
});
export type DataPlaneAck = z.output<typeof DataPlaneAckSchema>;

export const GatewayHeartbeatSchema = z.object({
  instance: InstanceIdSchema,
  at: z.iso.datetime(),
  /** service -> routing-table version this instance serves now. */
  tables: z.record(ServiceNameSchema, z.number().int().min(0)),
});
export type GatewayHeartbeat = z.output<typeof GatewayHeartbeatSchema>;

/** Cumulative since the instance started; `le` bounds in seconds, counts cumulative like Prometheus. */
export const HistogramSnapshotSchema = z.object({
  le: z.array(z.number().positive()),
  counts: z.array(z.number().int().min(0)),
  count: z.number().int().min(0),
  sum: z.number().min(0),
});
export type HistogramSnapshot = z.output<typeof HistogramSnapshotSchema>;

export const PoolMetricsSchema = z.object({
  release: ReleaseVersionSchema,
  /**
   * The pool's weight in the table in force when the snapshot was taken (0 when the table no
   * longer routes to it). At 0 with nothing in flight, nothing can start on it afterwards.
   */
  weight: z.number().min(0).max(100).optional(),
  inFlight: z.number().int().min(0),
  /** Streams among inFlight. */
  inFlightStreams: z.number().int().min(0),
  requests: z.number().int().min(0),
  /** 5xx answers and transport errors. */
  errors: z.number().int().min(0),
  /** Streams that ended without [DONE] (upstream cut, client gone counts separately). */
  abortedStreams: z.number().int().min(0),
  /** Streams the client walked away from before [DONE] (not the pool's fault). */
  clientAbortedStreams: z.number().int().min(0).optional(),
  ttft: HistogramSnapshotSchema,
  itl: HistogramSnapshotSchema,
  /** End-to-end seconds per output token (a long answer is not a slow one). */
  e2ePerToken: HistogramSnapshotSchema,
  /** Per replica url: requests in flight now. */
  replicas: z.record(z.string(), z.object({ inFlight: z.number().int().min(0) })),
});
export type PoolMetrics = z.output<typeof PoolMetricsSchema>;

export const GatewayMetricsSchema = z.object({
  instance: InstanceIdSchema,
  service: ServiceNameSchema,
  at: z.iso.datetime(),
  /** Routing-table version in force when the snapshot was taken. */
  version: z.number().int().min(0),
  pools: z.object({ blue: PoolMetricsSchema.nullable(), green: PoolMetricsSchema.nullable() }),
});
export type GatewayMetrics = z.output<typeof GatewayMetricsSchema>;
