import { connect as netConnect } from 'node:net';
import { Agent } from 'undici';
import { MAX_RESPONSE_BYTES, READINESS_ERRORS, WARMUP_TIMEOUT_MS } from './readiness.constants';

export interface ProbeRequest {
  method: 'GET' | 'POST';
  url: URL;
  /** Sent as a JSON body. */
  json?: unknown;
  /** Aborted on the attempt's timeout, the deadline or a cancellation. */
  signal: AbortSignal;
}

export interface ProbeResponse {
  status: number;
  body: string;
}

/** What the prober needs from the network: a TCP connect and small HTTP exchanges. */
export interface ProbeTransport {
  /** Resolves once a TCP connection to the URL's host and port is established (then closes it). */
  connect(url: URL, signal: AbortSignal): Promise<void>;
  request(request: ProbeRequest): Promise<ProbeResponse>;
  /** Releases every socket; called once when the probe run ends. */
  close(): Promise<void>;
}

export type ProbeTransportFactory = () => ProbeTransport;

/** Host and port a URL points at, default port by scheme; IPv6 brackets removed for net.connect. */
export function socketAddress(url: URL): { host: string; port: number } {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (!host || !Number.isInteger(port)) throw new Error(READINESS_ERRORS.invalidUrl(url.href));
  return { host, port };
}

/** undici Agent owned by one probe run: its keep-alive sockets die with the run. */
export class UndiciProbeTransport implements ProbeTransport {
  private readonly agent = new Agent({
    connections: 4,
    keepAliveTimeout: 5_000,
    maxResponseSize: MAX_RESPONSE_BYTES,
    // The prober's own per-attempt signal is the real limit; these only stop a wedged socket.
    headersTimeout: WARMUP_TIMEOUT_MS,
    bodyTimeout: WARMUP_TIMEOUT_MS,
  });

  connect(url: URL, signal: AbortSignal): Promise<void> {
    const { host, port } = socketAddress(url);
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      const socket = netConnect({ host, port });
      const onAbort = (): void => finish(signal.reason as Error);
      const finish = (error?: Error): void => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if (error) reject(error);
        else resolve();
      };
      socket.once('connect', () => finish());
      socket.once('error', (error) => finish(error));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async request({ method, url, json, signal }: ProbeRequest): Promise<ProbeResponse> {
    const response = await this.agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method,
      headers: json === undefined ? {} : { 'content-type': 'application/json' },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      signal,
    });
    return { status: response.statusCode, body: await response.body.text() };
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}
