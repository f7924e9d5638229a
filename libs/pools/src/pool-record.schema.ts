import {
  HttpUrlSchema,
  parseOrThrow,
  ReleaseVersionSchema,
  ServiceNameSchema,
} from '@greenlight/contracts';
import { z } from 'zod';

/**
 * What a host stores (in Redis) about a pool it started, so that after a restart a fresh driver
 * can report on it and stop it. Plain JSON: no handles, no class instances.
 */

const replicaBase = {
  replica: z.number().int().min(0),
  url: HttpUrlSchema,
  startedAt: z.iso.datetime(),
};

const poolBase = {
  service: ServiceNameSchema,
  release: ReleaseVersionSchema,
  startedAt: z.iso.datetime(),
  /** How long stop() waits for a graceful exit before forcing one. */
  stopTimeoutMs: z.number().int().min(0),
};

export const ProcessReplicaRecordSchema = z.object({
  ...replicaBase,
  port: z.number().int().min(1).max(65_535),
  /** Leader of the replica's own process group (pgid = pid). */
  pid: z.number().int().positive(),
  /**
   * /proc/<pid>/stat field 22 (clock ticks since boot) when it was spawned: a recycled pid has a
   * different one, so it is never signalled. null when the process was gone before it was read.
   */
  startTime: z.string().regex(/^\d+$/).nullable(),
  logFile: z.string().min(1),
  argv: z.array(z.string()).min(1),
});

export const ProcessPoolRecordSchema = z.object({
  driver: z.literal('process'),
  ...poolBase,
  /** Unique per start(): two pools of the same release never share logs or stop markers. */
  id: z.string().min(1),
  /** Holds the replicas' log files and stop markers. */
  dir: z.string().min(1),
  replicas: z.array(ProcessReplicaRecordSchema).min(1),
});

export const StaticPoolRecordSchema = z.object({
  driver: z.literal('static'),
  ...poolBase,
  replicas: z.array(z.object(replicaBase)).min(1),
});

export const SystemdPoolRecordSchema = z.object({
  driver: z.literal('systemd'),
  ...poolBase,
  /** systemctl --user instead of the system manager. */
  userMode: z.boolean(),
  replicas: z.array(z.object({ ...replicaBase, unit: z.string().min(1) })).min(1),
});

export const KubernetesPoolRecordSchema = z.object({
  driver: z.literal('kubernetes'),
  ...poolBase,
  namespace: z.string().min(1),
  /** Name of the Deployment and of the Service in front of it. */
  name: z.string().min(1),
  replicas: z.array(z.object(replicaBase)).min(1),
});

export const PoolRecordSchema = z.discriminatedUnion('driver', [
  ProcessPoolRecordSchema,
  StaticPoolRecordSchema,
  SystemdPoolRecordSchema,
  KubernetesPoolRecordSchema,
]);

export type ProcessReplicaRecord = z.output<typeof ProcessReplicaRecordSchema>;
export type ProcessPoolRecord = z.output<typeof ProcessPoolRecordSchema>;
export type StaticPoolRecord = z.output<typeof StaticPoolRecordSchema>;
export type SystemdPoolRecord = z.output<typeof SystemdPoolRecordSchema>;
export type KubernetesPoolRecord = z.output<typeof KubernetesPoolRecordSchema>;
export type PoolRecord = z.output<typeof PoolRecordSchema>;
export type ReplicaRecord = PoolRecord['replicas'][number];

/** Validates a record read back from storage; throws a ValidationError naming each bad field. */
export function parsePoolRecord(input: unknown): PoolRecord {
  return parseOrThrow(PoolRecordSchema, input);
}
