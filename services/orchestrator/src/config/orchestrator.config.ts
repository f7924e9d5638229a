import { z } from 'zod';
import { BaseServiceConfigSchema, DEFAULT_PORTS, PortSchema } from '@greenlight/contracts';

const MIN_TOKEN_LENGTH = 16;

/** "name:secret,name:secret" → [{ name, secret }]; names become audit actors (`user:<name>`). */
const TokenListSchema = z
  .string()
  .default('')
  .transform((raw, ctx) => {
    const entries = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry) => {
        const colon = entry.indexOf(':');
        return { name: entry.slice(0, colon), secret: entry.slice(colon + 1), ok: colon > 0 };
      });
    for (const e of entries) {
      if (!e.ok || !/^[A-Za-z0-9._-]{1,64}$/.test(e.name)) {
        ctx.addIssue({
          code: 'custom',
          message: 'each entry must be name:token (name of letters, digits, . _ -)',
        });
        return z.NEVER;
      }
      if (e.secret.length < MIN_TOKEN_LENGTH) {
        ctx.addIssue({
          code: 'custom',
          message: `token of "${e.name}" is shorter than ${MIN_TOKEN_LENGTH} characters`,
        });
        return z.NEVER;
      }
    }
    return entries.map(({ name, secret }) => ({ name, secret }));
  });

export const OrchestratorConfigSchema = BaseServiceConfigSchema.extend({
  PORT: PortSchema.default(DEFAULT_PORTS.orchestrator),
  /** Bearer tokens of the operator role (reads, and changes deployments): `name:token,…`, tokens of 16 characters or more; names become audit actors (`user:<name>`). */
  GREENLIGHT_OPERATOR_TOKENS: TokenListSchema.refine((list) => list.length > 0, {
    message: 'at least one operator token (name:token) is required',
  }),
  /** Bearer tokens of the viewer role (reads only): `name:token,…`. */
  GREENLIGHT_VIEWER_TOKENS: TokenListSchema,
  /** How often pending outbox events are retried while NATS is unreachable. */
  OUTBOX_SWEEP_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /** How long Verifying waits for the eval-runner's verdict before the deployment fails. */
  VERIFY_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(3_600_000),
});

export type OrchestratorConfig = z.output<typeof OrchestratorConfigSchema>;
