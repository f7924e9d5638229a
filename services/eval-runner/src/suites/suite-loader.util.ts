import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import Ajv from 'ajv';
import { parseManifestText, safeParse, validationMessage } from '@greenlight/contracts';
import { compileAssertions, type CompiledAssertion } from './assertions.util';
import { EvalSuiteSchema, type EvalCase } from './suite.schema';
import { AJV_OPTIONS, MAX_SUITE_BYTES, SUITE_ERRORS } from './suites.constants';

/** A case ready to send: sampling defaults applied, assertions compiled. */
export interface PreparedCase {
  id: string;
  request: { messages: NonNullable<EvalCase['messages']> } | { prompt: string };
  max_tokens?: number;
  temperature?: number;
  assertions: CompiledAssertion[];
}

export interface PreparedSuite {
  /** As the command named it. */
  path: string;
  cases: PreparedCase[];
}

export type SuiteLoad = { ok: true; suite: PreparedSuite } | { ok: false; reason: string };

/**
 * Reads and validates the suite at `path` under `root`. Every problem becomes a reason naming the
 * path (and, for a bad suite, each field), never an exception: a bad suite fails the gate.
 */
export async function loadSuite(root: string, path: string): Promise<SuiteLoad> {
  const located = await locate(root, path);
  if (!located.ok) return located;
  let text: string;
  try {
    text = await readFile(located.file, 'utf8');
  } catch (error) {
    return { ok: false, reason: SUITE_ERRORS.unreadable(path, (error as Error).message) };
  }
  return parseSuite(path, text);
}

/** Validates suite text (YAML or JSON); `path` only names it in messages. */
export function parseSuite(path: string, text: string): SuiteLoad {
  let data: unknown;
  try {
    data = parseManifestText(text);
  } catch (error) {
    return { ok: false, reason: SUITE_ERRORS.syntax(path, (error as Error).message) };
  }
  const parsed = safeParse(EvalSuiteSchema, data);
  if (!parsed.ok) {
    return { ok: false, reason: SUITE_ERRORS.invalid(path, validationMessage(parsed.issues)) };
  }
  const { defaults = {}, cases } = parsed.value;
  const ajv = new Ajv(AJV_OPTIONS);
  return {
    ok: true,
    suite: {
      path,
      cases: cases.map((c) => {
        const max_tokens = c.max_tokens ?? defaults.max_tokens;
        const temperature = c.temperature ?? defaults.temperature;
        return {
          id: c.id,
          request: c.messages ? { messages: c.messages } : { prompt: c.prompt ?? '' },
          ...(max_tokens === undefined ? {} : { max_tokens }),
          ...(temperature === undefined ? {} : { temperature }),
          assertions: compileAssertions(c.assertions, ajv),
        };
      }),
    },
  };
}

/** The real file `path` names, if it stays inside `root` (symlinks resolved on both sides). */
async function locate(
  root: string,
  path: string,
): Promise<{ ok: true; file: string } | { ok: false; reason: string }> {
  const base = resolve(root);
  if (!inside(base, resolve(base, path)))
    return { ok: false, reason: SUITE_ERRORS.outsideRoot(path) };
  let file: string;
  let realBase: string;
  try {
    realBase = await realpath(base);
    file = await realpath(resolve(base, path));
  } catch {
    return { ok: false, reason: SUITE_ERRORS.notFound(path, base) };
  }
  if (!inside(realBase, file)) return { ok: false, reason: SUITE_ERRORS.outsideRoot(path) };
  const info = await stat(file);
  if (!info.isFile()) return { ok: false, reason: SUITE_ERRORS.notFound(path, base) };
  if (info.size > MAX_SUITE_BYTES) return { ok: false, reason: SUITE_ERRORS.tooLarge(path) };
  return { ok: true, file };
}

function inside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
