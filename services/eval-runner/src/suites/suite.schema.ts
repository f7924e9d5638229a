import Ajv from 'ajv';
import { z } from 'zod';
import { AJV_OPTIONS, MAX_SUITE_CASES, SUITE_MESSAGES } from './suites.constants';

const text = z.string().min(1);

/** Every assertion a case can make on an answer; `type` names it as promptfoo does. */
export const AssertionSchema = z.discriminatedUnion('type', [
  /** The whole answer, surrounding whitespace ignored. */
  z.strictObject({ type: z.literal('equals'), value: z.string() }),
  z.strictObject({ type: z.literal('contains'), value: text }),
  z.strictObject({ type: z.literal('icontains'), value: text }),
  z.strictObject({ type: z.literal('not-contains'), value: text }),
  z.strictObject({
    type: z.literal('regex'),
    value: text.refine(compiles, SUITE_MESSAGES.badRegex),
    flags: z
      .string()
      .regex(/^[imsu]*$/, SUITE_MESSAGES.badRegexFlags)
      .optional(),
  }),
  z.strictObject({ type: z.literal('json-valid') }),
  z.strictObject({
    type: z.literal('json-schema'),
    value: z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
      const problem = jsonSchemaProblem(schema);
      if (problem) ctx.addIssue({ code: 'custom', message: SUITE_MESSAGES.badJsonSchema(problem) });
    }),
  }),
  z.strictObject({ type: z.literal('max-latency-ms'), value: z.number().positive() }),
]);
export type Assertion = z.output<typeof AssertionSchema>;
export type AssertionType = Assertion['type'];

export const ChatMessageSchema = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.string(),
});

const samplingShape = {
  max_tokens: z.number().int().min(1).max(32_768).optional(),
  temperature: z.number().min(0).max(2).optional(),
};

/** One case: a chat (messages) or a completion (prompt), and what its answer must satisfy. */
export const EvalCaseSchema = z
  .strictObject({
    id: z.string().regex(/^[\w.:@/-]{1,200}$/, SUITE_MESSAGES.badId),
    description: z.string().optional(),
    messages: z.array(ChatMessageSchema).min(1).optional(),
    prompt: text.optional(),
    ...samplingShape,
    assertions: z.array(AssertionSchema).min(1),
  })
  .superRefine((c, ctx) => {
    if ((c.messages === undefined) === (c.prompt === undefined)) {
      ctx.addIssue({ code: 'custom', message: SUITE_MESSAGES.messagesOrPrompt, path: [] });
    }
  });
export type EvalCase = z.output<typeof EvalCaseSchema>;

/** A suite file (evals/*.yaml). */
export const EvalSuiteSchema = z
  .strictObject({
    description: z.string().optional(),
    /** Applied to every case that does not set its own. */
    defaults: z.strictObject(samplingShape).optional(),
    cases: z.array(EvalCaseSchema).min(1).max(MAX_SUITE_CASES),
  })
  .superRefine((suite, ctx) => {
    const seen = new Map<string, number>();
    suite.cases.forEach((c, index) => {
      const first = seen.get(c.id);
      if (first === undefined) seen.set(c.id, index);
      else
        ctx.addIssue({
          code: 'custom',
          message: SUITE_MESSAGES.duplicateId(c.id, first),
          path: ['cases', index, 'id'],
        });
    });
  });
export type EvalSuite = z.output<typeof EvalSuiteSchema>;

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** Why ajv cannot compile `schema`, or undefined when it can (own instance: `$id`s never clash). */
function jsonSchemaProblem(schema: Record<string, unknown>): string | undefined {
  try {
    new Ajv(AJV_OPTIONS).compile(schema);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
