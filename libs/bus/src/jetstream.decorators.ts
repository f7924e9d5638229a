import { EventPattern } from '@nestjs/microservices';
import type { z } from 'zod';

export interface JetStreamHandlerOptions {
  /** Payloads that fail it are terminated (never redelivered) and answered with a rejection. */
  schema?: z.ZodType;
  /**
   * Where a rejection goes when the payload is invalid (e.g. greenlight.deploy.rejected).
   * Absent: the message is terminated and logged.
   */
  rejectSubject?: string;
  /** Type of the rejection message (`deploy.rejected`, `command.rejected`). */
  rejectType?: string;
  /** Durable consumer name; default `<component>--<subject>`. Replicas of a service share it. */
  durable?: string;
  /**
   * Messages handled at once by this process (default 1: in order). Long handlers (a readiness
   * probe, a drain) raise it so one slow deployment does not hold up the others.
   */
  concurrency?: number;
}

export const JETSTREAM_EXTRAS = 'greenlightJetStream';

/**
 * Handles messages on a JetStream subject through a durable pull consumer: acked after the
 * handler resolves, nak'd with backoff when it throws, terminated when the payload is invalid.
 */
export function OnJetStream(
  subject: string,
  options: JetStreamHandlerOptions = {},
): MethodDecorator {
  return EventPattern(subject, { [JETSTREAM_EXTRAS]: options });
}
