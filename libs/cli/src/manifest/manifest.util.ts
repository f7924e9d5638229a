import { readFile, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import {
  DeployRequestSchema,
  ManifestFileSchema,
  parseManifestText,
  safeParse,
  type ValidationIssue,
} from '@greenlight/contracts';
import { MANIFEST_ERRORS } from '../cli.constants';

/** A problem with the manifest on disk, found before anything is sent. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';

  constructor(
    message: string,
    readonly issues: readonly ValidationIssue[] = [],
  ) {
    super(message);
  }
}

export type ManifestObject = Record<string, unknown>;

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file (ENOENT)',
  EACCES: 'permission denied (EACCES)',
  EISDIR: 'is a directory (EISDIR)',
};

/** errno code when there is one (fs errors from another realm fail `instanceof Error`). */
function reasonOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return ERRNO_TEXT[code] ?? code;
    if (typeof message === 'string') return message;
  }
  return String(error);
}

function isMapping(value: unknown): value is ManifestObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function templateOf(manifest: ManifestObject): ManifestObject | undefined {
  const release = manifest['release'];
  const template = isMapping(release) ? release['template'] : undefined;
  return isMapping(template) ? template : undefined;
}

/**
 * Parses YAML or JSON and checks it against the manifest schema, so mistakes show up with their
 * paths before anything is sent. The input is returned as written (durations stay text): the
 * server parses it again and stays the authority.
 */
export function parseManifest(text: string, file: string): ManifestObject {
  let value: unknown;
  try {
    value = parseManifestText(text);
  } catch (error) {
    throw new ManifestError(MANIFEST_ERRORS.syntax(file, reasonOf(error)));
  }
  if (!isMapping(value)) throw new ManifestError(MANIFEST_ERRORS.notMapping(file));
  const template = templateOf(value);
  // A template written inline (content, no file) is already in wire form.
  const inline = template !== undefined && 'content' in template && !('file' in template);
  const result = safeParse(inline ? DeployRequestSchema : ManifestFileSchema, value);
  if (!result.ok) throw new ManifestError(MANIFEST_ERRORS.invalid(file), result.issues);
  return value;
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Replaces `release.template.file` by `content`, read relative to `baseDir`. Paths that leave
 * `baseDir` (absolute, `..`, or a symlink pointing out) are refused: a manifest must not make the
 * CLI upload arbitrary files. Everything else, sha256 included, is left for the server to check.
 */
export async function inlineTemplate(
  manifest: ManifestObject,
  baseDir: string,
): Promise<ManifestObject> {
  const template = templateOf(manifest);
  if (template === undefined || !('file' in template)) return manifest;

  const { file, ...rest } = template;
  if (typeof file !== 'string' || file.length === 0) {
    throw new ManifestError(MANIFEST_ERRORS.templateFileType);
  }
  if ('content' in rest) throw new ManifestError(MANIFEST_ERRORS.templateBoth);
  const dir = resolve(baseDir);
  const path = resolve(dir, file);
  if (isAbsolute(file) || !inside(dir, path)) {
    throw new ManifestError(MANIFEST_ERRORS.templateEscapes(file, dir));
  }
  let content: string;
  try {
    if (!inside(await realpath(dir), await realpath(path))) {
      throw new ManifestError(MANIFEST_ERRORS.templateEscapes(file, dir));
    }
    content = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    throw new ManifestError(MANIFEST_ERRORS.templateUnreadable(file, reasonOf(error)));
  }
  const release = manifest['release'] as ManifestObject;
  return { ...manifest, release: { ...release, template: { ...rest, content } } };
}

/** Reads a release manifest file and turns it into the deploy request the API takes. */
export async function loadDeployRequest(file: string): Promise<ManifestObject> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ManifestError(MANIFEST_ERRORS.unreadable(file, reasonOf(error)));
  }
  return inlineTemplate(parseManifest(text, file), dirname(resolve(file)));
}
