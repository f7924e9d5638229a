import Ajv, { type ValidateFunction } from 'ajv';
import type { Assertion } from './suite.schema';
import { AJV_OPTIONS } from './suites.constants';

/** An assertion ready to run: json-schema ones carry their compiled validator. */
export type CompiledAssertion =
  | Exclude<Assertion, { type: 'json-schema' }>
  | { type: 'json-schema'; value: Record<string, unknown>; validate: ValidateFunction };

/** What a pool answered to one case. */
export interface Answer {
  text: string;
  latencyMs: number;
}

const QUOTE_LIMIT = 80;

/** One ajv per suite: validators compile once, however many cases share a schema. */
export function compileAssertions(
  assertions: readonly Assertion[],
  ajv: Ajv = new Ajv(AJV_OPTIONS),
): CompiledAssertion[] {
  return assertions.map((a) =>
    a.type === 'json-schema' ? { ...a, validate: ajv.compile(a.value) } : a,
  );
}

/** Every assertion the answer breaks, in plain words; empty when it passes them all. */
export function failedAssertions(
  answer: Answer,
  assertions: readonly CompiledAssertion[],
): string[] {
  return assertions.flatMap((a) => {
    const problem = check(answer, a);
    return problem === undefined ? [] : [problem];
  });
}

function check({ text, latencyMs }: Answer, a: CompiledAssertion): string | undefined {
  switch (a.type) {
    case 'equals':
      return text.trim() === a.value.trim()
        ? undefined
        : `expected ${quote(a.value)}, got ${quote(text)}`;
    case 'contains':
      return text.includes(a.value)
        ? undefined
        : `${quote(text)} does not contain ${quote(a.value)}`;
    case 'icontains':
      return text.toLowerCase().includes(a.value.toLowerCase())
        ? undefined
        : `${quote(text)} does not contain ${quote(a.value)} (any case)`;
    case 'not-contains':
      return text.includes(a.value) ? `${quote(text)} contains ${quote(a.value)}` : undefined;
    case 'regex':
      return new RegExp(a.value, a.flags).test(text)
        ? undefined
        : `${quote(text)} does not match /${a.value}/${a.flags ?? ''}`;
    case 'json-valid':
      return parseJson(text).ok ? undefined : `${quote(text)} is not valid JSON`;
    case 'json-schema': {
      const parsed = parseJson(text);
      if (!parsed.ok) return `${quote(text)} is not valid JSON`;
      if (a.validate(parsed.value)) return undefined;
      const first = a.validate.errors?.[0];
      const where = first?.instancePath || '(root)';
      return `JSON does not match the schema: ${where} ${first?.message ?? 'is invalid'}`;
    }
    case 'max-latency-ms':
      return latencyMs <= a.value
        ? undefined
        : `answered in ${Math.round(latencyMs)} ms, more than ${a.value} ms`;
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function quote(text: string): string {
  const clipped = text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT - 1)}…` : text;
  return JSON.stringify(clipped);
}
