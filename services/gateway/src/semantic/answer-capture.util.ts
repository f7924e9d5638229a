import type { CachedAnswer } from '@greenlight/caches';
import type { CompletionKind } from './cache-request.util';
import { MAX_CAPTURED_ANSWER_BYTES, STORABLE_FINISH_REASON } from './semantic-cache.constants';

/** What a replica's answer says, read back from its JSON body or its SSE stream. */
export type ReadAnswer = Pick<CachedAnswer, 'content' | 'finishReason' | 'usage'>;

interface Choice {
  index?: unknown;
  message?: { content?: unknown; tool_calls?: unknown };
  delta?: { content?: unknown; tool_calls?: unknown };
  text?: unknown;
  finish_reason?: unknown;
}

interface Body {
  choices?: unknown;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
}

const hasToolCalls = (value: unknown): boolean => Array.isArray(value) && value.length > 0;

function readUsage(body: Body): ReadAnswer['usage'] {
  const usage = body.usage;
  if (!usage || typeof usage !== 'object') return undefined;
  const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = usage;
  if (typeof promptTokens !== 'number' || typeof completionTokens !== 'number') return undefined;
  return { promptTokens, completionTokens };
}

/** The first choice, or undefined when the body has another shape (several choices included). */
function onlyChoice(body: Body): Choice | null | undefined {
  if (!Array.isArray(body.choices)) return undefined;
  if (body.choices.length === 0) return null; // the include_usage chunk
  if (body.choices.length > 1) return undefined;
  const choice = body.choices[0] as Choice;
  return typeof choice === 'object' && choice !== null && (choice.index ?? 0) === 0
    ? choice
    : undefined;
}

function readJson(kind: CompletionKind, text: string): ReadAnswer | undefined {
  const body = JSON.parse(text) as Body;
  const choice = onlyChoice(body);
  if (!choice) return undefined;
  if (hasToolCalls(choice.message?.tool_calls)) return undefined;
  const content = kind === 'chat' ? choice.message?.content : choice.text;
  if (typeof content !== 'string' || typeof choice.finish_reason !== 'string') return undefined;
  const usage = readUsage(body);
  return { content, finishReason: choice.finish_reason, ...(usage ? { usage } : {}) };
}

/** Undefined unless the stream ended with `data: [DONE]` and every event was readable. */
function readStream(kind: CompletionKind, text: string): ReadAnswer | undefined {
  let content = '';
  let finishReason: string | undefined;
  let usage: ReadAnswer['usage'];
  let done = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const payload = line.slice('data:'.length).trim();
    if (payload === '[DONE]') {
      done = true;
      break;
    }
    const event = JSON.parse(payload) as Body;
    usage = readUsage(event) ?? usage;
    const choice = onlyChoice(event);
    if (choice === undefined) return undefined;
    if (choice === null) continue;
    if (hasToolCalls(choice.delta?.tool_calls)) return undefined;
    const piece = kind === 'chat' ? choice.delta?.content : choice.text;
    if (typeof piece === 'string') content += piece;
    if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
  }
  if (!done || finishReason === undefined) return undefined;
  return { content, finishReason, ...(usage ? { usage } : {}) };
}

/** A replica's whole answer, or undefined when it is not one whole, readable text answer. */
export function readAnswer(
  kind: CompletionKind,
  sse: boolean,
  text: string,
): ReadAnswer | undefined {
  try {
    return sse ? readStream(kind, text) : readJson(kind, text);
  } catch {
    return undefined; // not JSON where JSON was due: not an answer worth keeping
  }
}

/**
 * Keeps a copy of a replica's answer on a cache miss while the proxy streams it to the client,
 * and hands it over once it has ended whole (a 200, `finish_reason: stop`, and for a stream
 * `data: [DONE]`). Reading happens after the client has its last byte.
 */
export class AnswerCapture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private keeping = false;
  private sse = false;

  constructor(
    private readonly kind: CompletionKind,
    private readonly onAnswer: (answer: ReadAnswer) => void,
    private readonly maxBytes = MAX_CAPTURED_ANSWER_BYTES,
  ) {}

  begin(statusCode: number, sse: boolean): void {
    this.keeping = statusCode === 200;
    this.sse = sse;
  }

  feed(chunk: Buffer): void {
    if (!this.keeping) return;
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.keeping = false;
      this.chunks.length = 0;
      return;
    }
    this.chunks.push(chunk);
  }

  /** The response ended normally (an error or a cut never calls this). */
  end(): void {
    if (!this.keeping) return;
    this.keeping = false;
    const text = Buffer.concat(this.chunks, this.size).toString('utf8');
    this.chunks.length = 0;
    const answer = readAnswer(this.kind, this.sse, text);
    if (answer?.finishReason === STORABLE_FINISH_REASON && answer.content !== '') {
      this.onAnswer(answer);
    }
  }
}
