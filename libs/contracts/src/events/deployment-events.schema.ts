import { z } from 'zod';
import { PhaseSchema } from '../deployment/deployment.schema';
import { ActorSchema, ServiceNameSchema } from './envelope.schema';

export const ValidationIssueSchema = z.object({ path: z.string(), message: z.string() });

export const CONTROL_ACTIONS = ['promote', 'pause', 'resume', 'abort', 'rollback'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];
export const ControlActionSchema = z.enum(CONTROL_ACTIONS);

/** One per transition; the audit log is the stream of these. */
export const PhaseChangedDataSchema = z.object({
  from: PhaseSchema.nullable(),
  to: PhaseSchema,
  reason: z.string(),
  actor: ActorSchema,
  paused: z.boolean().optional(),
});

/** An operator's promote/pause/resume/abort/rollback and whether it was taken. */
export const ControlDataSchema = z.object({
  action: ControlActionSchema,
  reason: z.string().optional(),
  accepted: z.boolean(),
});

export const DeployRejectedDataSchema = z.object({
  reason: z.string(),
  issues: z.array(ValidationIssueSchema),
  requestId: z.string().nullable(),
  service: ServiceNameSchema.nullable(),
});

/**
 * Published on SUBJECTS.deployRejected, outside the evt tree: an invalid request has no
 * deployment, so this message has no deploymentId/seq and is not an Envelope.
 */
export const DeployRejectedSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.literal('deploy.rejected'),
  at: z.iso.datetime(),
  actor: ActorSchema,
  causationId: z.string().max(200).nullable(),
  data: DeployRejectedDataSchema,
});
export type DeployRejected = z.output<typeof DeployRejectedSchema>;

export const CommandRejectedDataSchema = z.object({
  command: z.string(),
  reason: z.string(),
  issues: z.array(ValidationIssueSchema),
  /**
   * A traffic.set refused because its version is not newer than the table in force: that
   * version, so the sender can move past it.
   */
  appliedVersion: z.number().int().min(0).optional(),
});
