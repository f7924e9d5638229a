import { z } from 'zod';
import { DEPLOYMENT_ID, SUBJECT_TOKEN } from '../subjects.constants';

export const ActorSchema = z
  .string()
  .min(1)
  .max(200)
  .describe('who caused it: `system:<service>`, `user:<name>` (REST/CLI) or `nats:<client>`');

export const ServiceNameSchema = z
  .string()
  .regex(
    SUBJECT_TOKEN,
    'must be 1-63 characters of lowercase letters, digits and "-", starting with a letter or digit',
  );

export const DeploymentIdSchema = z.string().regex(DEPLOYMENT_ID, 'must be a ULID');

/**
 * Every event on the bus is wrapped in this envelope. `seq` is per deployment and gap-free for
 * the orchestrator's own events; `id` is the JetStream dedupe id (Nats-Msg-Id).
 */
export const EnvelopeSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.string().regex(/^[a-z_]+\.[a-z_]+$/),
  deploymentId: DeploymentIdSchema,
  service: ServiceNameSchema,
  seq: z.number().int().nonnegative(),
  at: z.iso.datetime(),
  actor: ActorSchema,
  causationId: z.string().max(200).nullable(),
  data: z.unknown(),
});

export type Envelope<T = unknown> = Omit<z.infer<typeof EnvelopeSchema>, 'data'> & { data: T };

/** Wraps an event schema's data in the envelope, for consumers that validate the whole message. */
export function envelopeOf<T extends z.ZodType>(data: T) {
  return EnvelopeSchema.extend({ data });
}
