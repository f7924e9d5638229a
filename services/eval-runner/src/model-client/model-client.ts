import { CLIENT_ERRORS, SSE_DONE, MODELS_PATH, TOKENIZE_PATH } from './model-client.constants';
import type { ModelTransport } from './model-http.transport';

/** A request that failed in a way worth reporting (the case or check fails; the run goes on). */
export class ModelRequestError extends Error {
  override readonly name = 'ModelRequestError';
}

export interface Completion {
  text: string;
  finishReason: string | null;
  latencyMs: number;
}

export interface StreamedCompletion extends Completion {
  /** Usage arrived (stream_options.include_usage). */
  usage: { completion_tokens: number } | null;
  /** The last payload was [DONE]. */
  done: boolean;
}

const DETAIL_LIMIT = 200;

/**
 * The OpenAI-compatible calls an eval makes, each bounded by the per-request timeout and by the
 * run's signal. A run abort (deadline, cancellation) surfaces as the signal's reason, so the
 * caller can tell it from a failing server.
 */
export class ModelClient {
  constructor(
    private readonly transport: ModelTransport,
    private readonly timeoutMs: number,
    private readonly runSignal: AbortSignal,
  ) {}

  async listModels(base: string): Promise<string[]> {
    const { body } = await this.call('GET', base, MODELS_PATH);
    const data = (parseJson(MODELS_PATH, body) as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw new ModelRequestError(CLIENT_ERRORS.noModelList);
    return data.flatMap((m) => {
      const id = (m as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? [id] : [];
    });
  }

  /** A non-streamed chat or text completion (by `path`). */
  async complete(base: string, path: string, request: object): Promise<Completion> {
    const started = performance.now();
    const { body } = await this.call('POST', base, path, { ...request, stream: false });
    const latencyMs = performance.now() - started;
    const choice = firstChoice(path, parseJson(path, body));
    return { text: choiceText(choice), finishReason: finishReason(choice), latencyMs };
  }

  async stream(base: string, path: string, request: object): Promise<StreamedCompletion> {
    const started = performance.now();
    const url = new URL(path, base);
    const answer = await this.guard(path, (signal) =>
      this.transport.stream({
        method: 'POST',
        url,
        json: { ...request, stream: true, stream_options: { include_usage: true } },
        signal,
      }),
    );
    if (answer.status !== 200) {
      throw new ModelRequestError(
        CLIENT_ERRORS.status(path, answer.status, bodyDetail(answer.body)),
      );
    }
    let text = '';
    let reason: string | null = null;
    let usage: StreamedCompletion['usage'] = null;
    for (const payload of answer.data) {
      if (payload === SSE_DONE) continue;
      const chunk = parseJson(path, payload) as {
        choices?: unknown[];
        usage?: { completion_tokens?: unknown } | null;
      } | null;
      for (const choice of chunk?.choices ?? []) {
        text += choiceText(choice);
        reason = finishReason(choice) ?? reason;
      }
      const tokens = chunk?.usage?.completion_tokens;
      if (typeof tokens === 'number') usage = { completion_tokens: tokens };
    }
    return {
      text,
      finishReason: reason,
      usage,
      done: answer.data.at(-1) === SSE_DONE,
      latencyMs: performance.now() - started,
    };
  }

  /** Token ids of a chat through the server's template; null when the server has no /tokenize. */
  async tokenize(base: string, request: object): Promise<number[] | null> {
    const { status, body } = await this.call('POST', base, TOKENIZE_PATH, request, [404]);
    if (status === 404) return null;
    const tokens = (parseJson(TOKENIZE_PATH, body) as { tokens?: unknown } | null)?.tokens;
    if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'number')) {
      throw new ModelRequestError(CLIENT_ERRORS.noTokens);
    }
    return tokens;
  }

  private async call(
    method: 'GET' | 'POST',
    base: string,
    path: string,
    json?: unknown,
    allowed: readonly number[] = [],
  ): Promise<{ status: number; body: string }> {
    const url = new URL(path, base);
    const answer = await this.guard(path, (signal) =>
      this.transport.request({ method, url, json, signal }),
    );
    if (answer.status !== 200 && !allowed.includes(answer.status)) {
      throw new ModelRequestError(
        CLIENT_ERRORS.status(path, answer.status, bodyDetail(answer.body)),
      );
    }
    return answer;
  }

  /** Runs one exchange under the timeout; network errors become ModelRequestErrors. */
  private async guard<T>(path: string, exchange: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // Nothing new starts once the run is over (deadline, cancellation).
    if (this.runSignal.aborted) throw this.runSignal.reason;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await exchange(AbortSignal.any([this.runSignal, timeout]));
    } catch (error) {
      if (this.runSignal.aborted) throw this.runSignal.reason;
      if (timeout.aborted) throw new ModelRequestError(CLIENT_ERRORS.timeout(path, this.timeoutMs));
      if (error instanceof ModelRequestError) throw error;
      throw new ModelRequestError(describeNetworkError(error));
    }
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ModelRequestError(CLIENT_ERRORS.notJson(path));
  }
}

function firstChoice(path: string, body: unknown): unknown {
  const choice = (body as { choices?: unknown[] } | null)?.choices?.[0];
  if (!choice || typeof choice !== 'object')
    throw new ModelRequestError(CLIENT_ERRORS.noChoice(path));
  return choice;
}

/** Chat: message.content or delta.content; completion: text. */
function choiceText(choice: unknown): string {
  const c = choice as {
    text?: unknown;
    message?: { content?: unknown } | null;
    delta?: { content?: unknown } | null;
  } | null;
  const text = c?.message?.content ?? c?.delta?.content ?? c?.text;
  return typeof text === 'string' ? text : '';
}

function finishReason(choice: unknown): string | null {
  const reason = (choice as { finish_reason?: unknown } | null)?.finish_reason;
  return typeof reason === 'string' && reason ? reason : null;
}

/** Every error code in an error, its AggregateError members and its causes. */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 4) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof code === 'string' ? [code] : []),
    ...(Array.isArray(errors) ? errors.flatMap((e) => errorCodes(e, depth + 1)) : []),
    ...errorCodes(cause, depth + 1),
  ];
}

export function describeNetworkError(error: unknown): string {
  const codes = errorCodes(error);
  if (codes.includes('ECONNREFUSED')) return CLIENT_ERRORS.connectionRefused;
  if (codes.some((c) => ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(c))) {
    return CLIENT_ERRORS.connectionReset;
  }
  const host = (error as { hostname?: unknown } | null)?.hostname;
  const name = typeof host === 'string' ? host : 'of the endpoint';
  if (codes.some((c) => ['ENOTFOUND', 'EAI_AGAIN'].includes(c)))
    return CLIENT_ERRORS.hostUnknown(name);
  if (codes.some((c) => ['EHOSTUNREACH', 'ENETUNREACH'].includes(c))) {
    return CLIENT_ERRORS.hostUnreachable(name);
  }
  return CLIENT_ERRORS.network(error instanceof Error ? error.message : String(error));
}

/** The message of an OpenAI-style error body ({error: {message}}, {detail}), or the text. */
export function bodyDetail(body: string): string {
  const text = body.trim();
  if (!text) return '';
  try {
    const parsed = JSON.parse(text) as Record<string, unknown> | null;
    const error = parsed?.['error'];
    const nested =
      error && typeof error === 'object' ? (error as Record<string, unknown>)['message'] : error;
    const found = [nested, parsed?.['detail'], parsed?.['message']].find(
      (v) => typeof v === 'string' && v.trim(),
    );
    if (typeof found === 'string') return clip(found.trim());
  } catch {
    // not JSON: the text is the detail
  }
  return clip(text.replace(/\s+/g, ' '));
}

function clip(text: string): string {
  return text.length > DETAIL_LIMIT ? `${text.slice(0, DETAIL_LIMIT - 1)}…` : text;
}
