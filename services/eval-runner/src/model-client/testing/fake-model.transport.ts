import type { HttpAnswer, HttpExchange, ModelTransport, SseAnswer } from '../model-http.transport';

/** How one fake replica answers. */
export interface FakeReplica {
  models: string[];
  /** Every completion's text. */
  text: string;
  finishReason: string | null;
  /** Stream ends with [DONE]. */
  done: boolean;
  usage: boolean;
  /** /tokenize ids; null answers 404. */
  tokens: number[] | null;
  /** Completions wait this long (ms), so concurrency can be observed. */
  delayMs: number;
}

const HEALTHY: FakeReplica = {
  models: ['chat'],
  text: 'Hello there.',
  finishReason: 'stop',
  done: true,
  usage: true,
  tokens: [128000, 1, 2, 3],
  delayMs: 0,
};

/** In-memory OpenAI-compatible replicas keyed by origin; records what was asked of each. */
export class FakeModelTransport implements ModelTransport {
  readonly calls: { origin: string; path: string; json?: unknown }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly replicas = new Map<string, FakeReplica>();

  replica(origin: string, overrides: Partial<FakeReplica> = {}): FakeReplica {
    const replica = { ...HEALTHY, ...overrides };
    this.replicas.set(new URL(origin).origin, replica);
    return replica;
  }

  async request({ url, json, signal }: HttpExchange): Promise<HttpAnswer> {
    const replica = this.find(url, json);
    if (url.pathname === '/v1/models') {
      return ok({ object: 'list', data: replica.models.map((id) => ({ id })) });
    }
    if (url.pathname === '/tokenize') {
      return replica.tokens
        ? ok({ tokens: replica.tokens })
        : { status: 404, body: '{"detail":"Not Found"}' };
    }
    await this.busy(replica.delayMs, signal);
    const choice = url.pathname.endsWith('/chat/completions')
      ? {
          message: { role: 'assistant', content: replica.text },
          finish_reason: replica.finishReason,
        }
      : { text: replica.text, finish_reason: replica.finishReason };
    return ok({ choices: [choice] });
  }

  async stream({ url, json, signal }: HttpExchange): Promise<SseAnswer> {
    const replica = this.find(url, json);
    await this.busy(replica.delayMs, signal);
    const data = [
      JSON.stringify({ choices: [{ delta: { content: replica.text }, finish_reason: null }] }),
      JSON.stringify({ choices: [{ delta: {}, finish_reason: replica.finishReason }] }),
      ...(replica.usage ? [JSON.stringify({ choices: [], usage: { completion_tokens: 3 } })] : []),
      ...(replica.done ? ['[DONE]'] : []),
    ];
    return { status: 200, body: '', data };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private find(url: URL, json: unknown): FakeReplica {
    this.calls.push({
      origin: url.origin,
      path: url.pathname,
      ...(json === undefined ? {} : { json }),
    });
    const replica = this.replicas.get(url.origin);
    if (!replica)
      throw Object.assign(new Error(`connect ECONNREFUSED ${url.host}`), { code: 'ECONNREFUSED' });
    return replica;
  }

  private async busy(ms: number, signal: AbortSignal): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            reject(signal.reason as Error);
          },
          { once: true },
        );
      });
    } finally {
      this.inFlight -= 1;
    }
  }
}

function ok(body: unknown): HttpAnswer {
  return { status: 200, body: JSON.stringify(body) };
}
