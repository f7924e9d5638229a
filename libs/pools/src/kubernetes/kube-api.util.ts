import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';

export interface KubeRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** API path, e.g. /apis/apps/v1/namespaces/ml/deployments */
  path: string;
  body?: unknown;
}

export interface KubeResponse {
  status: number;
  /** Parsed JSON, or the raw text when the server did not send JSON. */
  body: unknown;
}

/** The one way the kubernetes driver talks to a cluster. */
export interface KubeApi {
  request(req: KubeRequest): Promise<KubeResponse>;
}

export interface HttpKubeApiOptions {
  /** API server base URL, e.g. https://10.0.0.1:443 */
  server: string;
  /** Bearer token; read on every request, because service-account tokens are rotated. */
  token?: () => string;
  /** PEM CA bundle of the API server. */
  ca?: string;
}

/** A KubeApi over HTTPS with undici. Not exercised against a cluster in this repository's tests. */
export function createHttpKubeApi(options: HttpKubeApiOptions): KubeApi {
  const dispatcher: Dispatcher | undefined = options.ca
    ? new Agent({ connect: { ca: options.ca } })
    : undefined;
  return {
    async request({ method, path, body }) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (options.token) headers['authorization'] = `Bearer ${options.token()}`;
      const response = await request(new URL(path, options.server), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(dispatcher ? { dispatcher } : {}),
      });
      const text = await response.body.text();
      return { status: response.statusCode, body: parseJson(text) };
    },
  };
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The API server and credentials every pod gets from its service account. */
export function createInClusterKubeApi(env: NodeJS.ProcessEnv = process.env): KubeApi {
  const host = env['KUBERNETES_SERVICE_HOST'] ?? 'kubernetes.default.svc';
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  return createHttpKubeApi({
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token: () => readFileSync(join(SERVICE_ACCOUNT_DIR, 'token'), 'utf8').trim(),
    ca: readFileSync(join(SERVICE_ACCOUNT_DIR, 'ca.crt'), 'utf8'),
  });
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
