import { z } from 'zod';
import { DeployRequestSchema } from '@greenlight/contracts';

/** The deploy request's JSON Schema, derived from the zod schema so /docs never drifts from validation. */
export function deployRequestJsonSchema(): Record<string, unknown> {
  try {
    return z.toJSONSchema(DeployRequestSchema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return { type: 'object', description: 'see DESIGN.md: deploy request' };
  }
}
