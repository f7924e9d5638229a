import { spawnSync } from 'node:child_process';

/** A thin REST client for tests: status + parsed JSON body. */
export function apiClient(baseUrl: string, token: string) {
  async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }
  return {
    get: <T = Record<string, unknown>>(path: string) => call<T>('GET', path),
    post: <T = Record<string, unknown>>(
      path: string,
      body?: unknown,
      headers?: Record<string, string>,
    ) => call<T>('POST', path, body, headers),
  };
}

export interface PhaseEvent {
  id: string;
  type: string;
  seq: number;
  actor: string;
  data: { from: string | null; to: string; reason: string; actor: string };
}

/** Runs the built `greenlight` CLI against an orchestrator, as an operator would from a shell. */
export function cliFor(orchestrator: string, token: string) {
  return (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['bin/greenlight.js', ...args, '--url', orchestrator, '--token', token],
      {
        encoding: 'utf8',
      },
    );
}
