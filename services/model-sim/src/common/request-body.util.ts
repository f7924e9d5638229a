import type { z } from 'zod';
import { safeParse } from '@greenlight/contracts';
import { OpenAiHttpError } from './openai-error.util';

/** Validates a request body; a 400 in OpenAI's shape names the first bad field in `param`. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = safeParse(schema, body ?? {});
  if (result.ok) return result.value;
  const message = result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new OpenAiHttpError(400, message, result.issues[0]?.path ?? null);
}
