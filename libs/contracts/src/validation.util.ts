import { z } from 'zod';
import { parseDocument } from 'yaml';

export interface ValidationIssue {
  path: string;
  message: string;
}

export type SafeParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

export const ROOT_PATH = '(root)';
export const UNKNOWN_FIELD_MESSAGE = 'unknown field';
export const REQUIRED_MESSAGE = 'is required';

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** ['strategy', 'steps', 1, 'weight'] -> "strategy.steps[1].weight"; [] -> "(root)". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      out += IDENTIFIER.test(key) ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out || ROOT_PATH;
}

/** One entry per problem; an unknown field is reported at its own path, not its parent's. */
export function formatIssues(error: z.ZodError): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: formatPath([...issue.path, key]), message: UNKNOWN_FIELD_MESSAGE });
      }
    } else {
      out.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return out;
}

/** "strategy.steps[1].weight: must be at most 100; service: is required" */
export function validationMessage(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  null: 'null',
};

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'number' && Number.isInteger(input) === false) return 'a fraction';
  return typeof input === 'object' ? 'an object' : typeof input;
}

/**
 * Plain-English messages for zod's built-in checks; a schema's own message always wins.
 * Passed per parse (see safeParse) rather than installed globally, so importing contracts has no side effects.
 */
export const contractErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return REQUIRED_MESSAGE;
      // JSON's 1e309 parses to Infinity: name it rather than calling it "a fraction".
      if (typeof issue.input === 'number' && !Number.isFinite(issue.input)) {
        return `must be a finite number, got ${issue.input}`;
      }
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      return `must be ${expected}, got ${describeInput(issue.input)}`;
    }
    case 'too_big': {
      const max = String(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `must have at most ${max} items`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'too_small': {
      const min = String(issue.minimum);
      if (issue.origin === 'string')
        return min === '1' ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return min === '1' ? 'must not be empty' : `must have at least ${min} items`;
      return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (options?.length) {
        return issue.input === undefined
          ? `is required (one of ${options.map((v) => JSON.stringify(v)).join(', ')})`
          : `must be one of ${options.map((v) => JSON.stringify(v)).join(', ')}`;
      }
      return undefined;
    }
    case 'invalid_format':
      if (issue.format === 'url') return 'must be a URL';
      if (issue.format === 'datetime') return 'must be an ISO 8601 date-time';
      return undefined;
    case 'unrecognized_keys':
      return UNKNOWN_FIELD_MESSAGE;
    default:
      return undefined;
  }
};

/** Parse without throwing; issues carry readable paths and messages. */
export function safeParse<S extends z.ZodType>(
  schema: S,
  input: unknown,
): SafeParseResult<z.output<S>> {
  const result = schema.safeParse(input, { error: contractErrorMap });
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: formatIssues(result.error) };
}

export class ValidationError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(validationMessage(issues));
    this.name = 'ValidationError';
  }
}

/** Parse or throw a ValidationError whose message lists every problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = safeParse(schema, input);
  if (!result.ok) throw new ValidationError(result.issues);
  return result.value;
}

/** YAML or JSON (JSON is YAML) into plain data; syntax errors name the line and column. */
export function parseManifestText(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const where = first.linePos?.[0];
    const at = where ? `line ${where.line}, column ${where.col}` : 'unknown position';
    const reason =
      first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'syntax error';
    throw new Error(`invalid YAML/JSON at ${at}: ${reason}`);
  }
  return doc.toJS();
}
