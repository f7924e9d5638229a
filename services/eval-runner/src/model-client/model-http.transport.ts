import { Agent } from 'undici';
import { MAX_RESPONSE_BYTES } from './model-client.constants';

export interface HttpExchange {
  method: 'GET' | 'POST';
  url: URL;
  json?: unknown;
  signal: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** A streamed answer: the `data:` payloads of a server-sent-events body, in order. */
export interface SseAnswer {
  status: number;
  /** The body as text when the status is not 200 (an error), else empty. */
  body: string;
  data: string[];
}

/** What the eval-runner needs from the network (a narrow port, faked in unit tests). */
export interface ModelTransport {
  request(exchange: HttpExchange): Promise<HttpAnswer>;
  stream(exchange: HttpExchange): Promise<SseAnswer>;
  close(): Promise<void>;
}

export type ModelTransportFactory = (connectionsPerOrigin: number) => ModelTransport;

/** undici Agent owned by one eval run: its keep-alive sockets end with the run. */
export class UndiciModelTransport implements ModelTransport {
  private readonly agent: Agent;

  constructor(connectionsPerOrigin: number) {
    this.agent = new Agent({
      connections: connectionsPerOrigin,
      keepAliveTimeout: 5_000,
      maxResponseSize: MAX_RESPONSE_BYTES,
    });
  }

  async request({ method, url, json, signal }: HttpExchange): Promise<HttpAnswer> {
    const response = await this.send(method, url, json, signal);
    return { status: response.statusCode, body: await response.body.text() };
  }

  async stream({ method, url, json, signal }: HttpExchange): Promise<SseAnswer> {
    const response = await this.send(method, url, json, signal);
    if (response.statusCode !== 200) {
      return { status: response.statusCode, body: await response.body.text(), data: [] };
    }
    const data: string[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        for (const line of event.split(/\r?\n/)) {
          if (line.startsWith('data:')) data.push(line.slice('data:'.length).trimStart());
        }
      }
    }
    return { status: 200, body: '', data };
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private send(method: 'GET' | 'POST', url: URL, json: unknown, signal: AbortSignal) {
    return this.agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method,
      headers: json === undefined ? {} : { 'content-type': 'application/json' },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      signal,
    });
  }
}
