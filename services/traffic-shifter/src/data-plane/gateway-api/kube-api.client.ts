import { existsSync, readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import { GATEWAY_API_ERRORS } from './gateway-api.constants';

export interface KubeRequest {
  method: 'GET' | 'PATCH';
  /** API path, e.g. /apis/gateway.networking.k8s.io/v1/namespaces/ml/httproutes/chat */
  path: string;
  /** PATCH only: the patch type (merge patch, apply patch, …). */
  contentType?: string;
  body?: unknown;
  timeoutMs: number;
}

export interface KubeResponse {
  status: number;
  /** Parsed JSON, or the raw text when the server did not send JSON. */
  body: unknown;
}

/** The one way the Gateway API driver talks to a cluster (libs/pools' KubeApi has no PATCH). */
export interface KubeApi {
  request(req: KubeRequest): Promise<KubeResponse>;
}

export interface HttpKubeApiOptions {
  /** API server base URL, e.g. https://10.96.0.1:443 */
  server: string;
  /** Bearer token file; read on every request, because service-account tokens are rotated. Absent: no token (kubectl proxy). */
  tokenFile?: string;
  /** PEM CA bundle of the API server; absent: the system's CAs. */
  caFile?: string;
}

/** A KubeApi over HTTP(S) with undici. */
export function createHttpKubeApi(options: HttpKubeApiOptions): KubeApi {
  const ca =
    options.caFile && existsSync(options.caFile) ? readFileSync(options.caFile, 'utf8') : undefined;
  const dispatcher: Dispatcher | undefined = ca ? new Agent({ connect: { ca } }) : undefined;
  return {
    async request({ method, path, contentType, body, timeoutMs }) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
      const token = readToken(options.tokenFile);
      if (token) headers['authorization'] = `Bearer ${token}`;
      try {
        const response = await request(new URL(path, options.server), {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          ...(dispatcher ? { dispatcher } : {}),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.body.text();
        return { status: response.statusCode, body: parseJson(text) };
      } catch (error) {
        throw new Error(GATEWAY_API_ERRORS.unreachable(method, path, (error as Error).message));
      }
    },
  };
}

function readToken(file: string | undefined): string | undefined {
  if (!file || !existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trim() || undefined;
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
