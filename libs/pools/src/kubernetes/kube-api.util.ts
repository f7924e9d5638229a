import { existsSync, readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import { kubeApiUrl, type KubeClientConfig } from '@greenlight/contracts';

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** API path, e.g. /apis/apps/v1/namespaces/ml/deployments */
  path: string;
  /** With a body: its type (merge patch, apply patch…); JSON by default. */
  contentType?: string;
  body?: unknown;
  /** Headers and body must arrive within this; no limit when absent. */
  timeoutMs?: number;
}

export interface KubeResponse {
  status: number;
  /** Parsed JSON, or the raw text when the server did not send JSON. */
  body: unknown;
}

/** The one way greenlight talks to a cluster (the kubernetes pool driver, the HTTPRoute traffic driver). */
export interface KubeApi {
  request(req: KubeRequest): Promise<KubeResponse>;
}

export interface HttpKubeApiOptions {
  /** API server base URL, e.g. https://10.0.0.1:443 */
  server: string;
  /** Bearer token (none when it returns undefined); read on every request, because service-account tokens are rotated. */
  token?: () => string | undefined;
  /** PEM CA bundle of the API server; absent: the system's CAs. */
  ca?: string;
}

/** A KubeApi over HTTP(S) with undici. Not exercised against a cluster in this repository's tests. */
export function createHttpKubeApi(options: HttpKubeApiOptions): KubeApi {
  const dispatcher: Dispatcher | undefined = options.ca
    ? new Agent({ connect: { ca: options.ca } })
    : undefined;
  return {
    async request({ method, path, contentType, body, timeoutMs }) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
      const token = options.token?.();
      if (token) headers['authorization'] = `Bearer ${token}`;
      const response = await request(new URL(path, options.server), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(dispatcher ? { dispatcher } : {}),
        ...(timeoutMs === undefined
          ? {}
          : {
              headersTimeout: timeoutMs,
              bodyTimeout: timeoutMs,
              signal: AbortSignal.timeout(timeoutMs),
            }),
      });
      const text = await response.body.text();
      return { status: response.statusCode, body: parseJson(text) };
    },
  };
}

/** The API server a service's KUBE_* settings point at, or undefined when they point nowhere. */
export function kubeApiFromConfig(config: KubeClientConfig): KubeApi | undefined {
  const server = kubeApiUrl(config);
  if (!server) return undefined;
  return createHttpKubeApi({
    server,
    token: tokenFromFile(config.KUBE_TOKEN_FILE),
    ...(existsSync(config.KUBE_CA_FILE) ? { ca: readFileSync(config.KUBE_CA_FILE, 'utf8') } : {}),
  });
}

/** A bearer token read from a file on every request (absent file: no token, e.g. kubectl proxy). */
export function tokenFromFile(file: string | undefined): () => string | undefined {
  return () =>
    file && existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

/** What the API server said went wrong (its Status message, or the raw text). */
export function kubeErrorMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const { message } = body;
    if (typeof message === 'string') return message;
  }
  return typeof body === 'string' ? body : '';
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
