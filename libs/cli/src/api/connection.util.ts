import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLI_ERRORS, DEFAULT_STATE_DIR, ENV_TOKEN, ENV_URL, STACK_FILE } from '../cli.constants';
import { UsageError } from './api.errors';
import type { Connection } from './api.types';

export interface ConnectionFlags {
  url?: string;
  token?: string;
}

/** What `greenlight up` writes to `<dir>/stack.json` (the first five keys are fixed by DESIGN.md). */
export interface StackFile {
  orchestrator: string;
  gateway: string;
  nats: string;
  redis: string;
  token: string;
  viewerToken?: string;
  services?: Record<string, string>;
}

export function readStackFile(path: string): StackFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(CLI_ERRORS.badStackFile(path, (error as Error).message));
  }
  const stack = value as Partial<StackFile> | null;
  if (typeof stack?.orchestrator !== 'string' || typeof stack.token !== 'string') {
    throw new UsageError(CLI_ERRORS.badStackFile(path, 'orchestrator and token must be strings'));
  }
  return stack as StackFile;
}

/** Flags win over the environment, which wins over ./.greenlight/stack.json. */
export function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Connection {
  let url = flags.url ?? env[ENV_URL];
  let token = flags.token ?? env[ENV_TOKEN];
  if (url === undefined || token === undefined) {
    const stack = readStackFile(resolve(cwd, join(DEFAULT_STATE_DIR, STACK_FILE)));
    url ??= stack?.orchestrator;
    token ??= stack?.token;
  }
  if (!url) throw new UsageError(CLI_ERRORS.noConnection);
  return { url, token: token || undefined };
}
