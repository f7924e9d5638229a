import { parse, type ParseEntry } from 'shell-quote';
import { PLACEHOLDERS, POOL_ERRORS, type Placeholder } from '../pools.constants';

/**
 * A pool command is tokenized like a shell would (quotes, escapes, $VARS) but never run by one:
 * placeholders are substituted inside the finished tokens, so a value such as a model name
 * `x; rm -rf /` stays one literal argument.
 */

export type PlaceholderValues = Record<Exclude<Placeholder, 'template'>, string | number> & {
  template?: string | null;
};

export class CommandTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandTemplateError';
  }
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * Splits a command template into argv tokens with {placeholders} still in them. $NAME and
 * ${NAME} are expanded from `env` (the replica's environment), as a shell would.
 */
export function parseCommandTemplate(
  template: string,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const unset: string[] = [];
  const unsupported: string[] = [];
  let entries: ParseEntry[];
  try {
    entries = parse<string>(template, (name: string) => {
      if (name === '') return '$'; // a lone "$" is literal in a shell too
      if (!ENV_NAME.test(name)) unsupported.push(name);
      else if (env[name] === undefined) unset.push(name);
      return env[name] ?? '';
    });
  } catch (error) {
    throw new CommandTemplateError(
      POOL_ERRORS.badSubstitution(error instanceof Error ? error.message : String(error)),
    );
  }

  const tokens: string[] = [];
  for (const entry of entries) {
    if (typeof entry === 'string') tokens.push(entry);
    else if ('comment' in entry) throw new CommandTemplateError(POOL_ERRORS.comment(entry.comment));
    else if (entry.op === 'glob') throw new CommandTemplateError(POOL_ERRORS.glob(entry.pattern));
    else throw new CommandTemplateError(POOL_ERRORS.shellOperator(entry.op));
  }
  // shell-quote silently closes an open quote; a shell would refuse the line.
  const open = unterminatedQuote(template);
  if (open) throw new CommandTemplateError(POOL_ERRORS.unterminatedQuote(open));
  if (unsupported[0] !== undefined) {
    throw new CommandTemplateError(POOL_ERRORS.unsupportedExpansion(unsupported[0]));
  }
  if (unset[0] !== undefined) throw new CommandTemplateError(POOL_ERRORS.unsetVariable(unset[0]));

  const first = tokens[0];
  if (first === undefined) throw new CommandTemplateError(POOL_ERRORS.emptyCommand);
  if (ENV_ASSIGNMENT.test(first)) throw new CommandTemplateError(POOL_ERRORS.envAssignment(first));
  for (const token of tokens) {
    for (const name of placeholdersIn(token)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
        throw new CommandTemplateError(POOL_ERRORS.unknownPlaceholder(name));
      }
    }
  }
  return tokens;
}

/** Every placeholder name the tokens use. */
export function usedPlaceholders(tokens: readonly string[]): Set<string> {
  return new Set(tokens.flatMap(placeholdersIn));
}

/** Replaces placeholders token by token; each token stays exactly one argument. */
export function renderCommand(tokens: readonly string[], values: PlaceholderValues): string[] {
  return tokens.map((token) =>
    token.replace(PLACEHOLDER, (_match, name: string) => {
      if (name === 'template') {
        if (!values.template) throw new CommandTemplateError(POOL_ERRORS.missingTemplate);
        return values.template;
      }
      return String(values[name as Exclude<Placeholder, 'template'>]);
    }),
  );
}

function placeholdersIn(token: string): string[] {
  return [...token.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** The kind of quote left open at the end of the text, if any. */
function unterminatedQuote(text: string): 'single' | 'double' | undefined {
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
    } else if (c === '\\') {
      i++;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    }
  }
  if (quote === "'") return 'single';
  return quote === '"' ? 'double' : undefined;
}
