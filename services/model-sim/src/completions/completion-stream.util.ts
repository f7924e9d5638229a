import type { FinishReason, GenerationResult } from '../engine/engine.service';

export type CompletionKind = 'chat' | 'text';

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
  kind: CompletionKind;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export const SSE_DONE = 'data: [DONE]\n\n';

export function usageOf(result: GenerationResult): Usage {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: result.promptTokens + result.completionTokens,
    prompt_tokens_details: { cached_tokens: result.cachedTokens },
  };
}

function sse(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

function chunkObject(meta: CompletionMeta): string {
  return meta.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
}

/**
 * Writes OpenAI's streaming chunks. The per-token chunk is a precomputed prefix + the
 * JSON-escaped piece + suffix: thousands of streams stay cheap.
 */
export class CompletionChunks {
  private readonly head: string;
  private readonly tokenPrefix: string;
  private readonly tokenSuffix: string;

  constructor(private readonly meta: CompletionMeta) {
    this.head = `{"id":${JSON.stringify(meta.id)},"object":"${chunkObject(meta)}","created":${meta.created},"model":${JSON.stringify(meta.model)},"choices":`;
    this.tokenPrefix =
      meta.kind === 'chat'
        ? `data: ${this.head}[{"index":0,"delta":{"content":`
        : `data: ${this.head}[{"index":0,"text":`;
    this.tokenSuffix =
      meta.kind === 'chat'
        ? '},"logprobs":null,"finish_reason":null}]}\n\n'
        : ',"logprobs":null,"finish_reason":null,"stop_reason":null}]}\n\n';
  }

  /** vLLM opens a chat stream with the assistant role and empty content. */
  opening(): string {
    if (this.meta.kind !== 'chat') return '';
    return `data: ${this.head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  tokens(pieces: readonly string[]): string {
    let out = '';
    for (const piece of pieces) out += this.tokenPrefix + JSON.stringify(piece) + this.tokenSuffix;
    return out;
  }

  final(reason: FinishReason): string {
    const choice =
      this.meta.kind === 'chat'
        ? { index: 0, delta: {}, logprobs: null, finish_reason: reason, stop_reason: null }
        : { index: 0, text: '', logprobs: null, finish_reason: reason, stop_reason: null };
    return sse({ ...this.envelope(), choices: [choice] });
  }

  /** With stream_options.include_usage: one chunk with no choices, only usage. */
  usage(usage: Usage): string {
    return sse({ ...this.envelope(), choices: [], usage });
  }

  private envelope() {
    const { id, created, model } = this.meta;
    return { id, object: chunkObject(this.meta), created, model };
  }
}

/** The non-streaming body (chat.completion or text_completion). */
export function completionBody(meta: CompletionMeta, text: string, result: GenerationResult) {
  const { id, created, model, kind } = meta;
  const finish_reason = result.finishReason;
  const choice =
    kind === 'chat'
      ? {
          index: 0,
          message: { role: 'assistant', content: text, tool_calls: [] },
          logprobs: null,
          finish_reason,
          stop_reason: null,
        }
      : { index: 0, text, logprobs: null, finish_reason, stop_reason: null };
  return {
    id,
    object: kind === 'chat' ? 'chat.completion' : 'text_completion',
    created,
    model,
    choices: [choice],
    usage: usageOf(result),
  };
}
