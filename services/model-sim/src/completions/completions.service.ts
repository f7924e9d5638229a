import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { FaultState } from '../admin/fault-state.service';
import { openAiErrorBody, OpenAiHttpError, SIM_ERRORS } from '../common/openai-error.util';
import { parseBody } from '../common/request-body.util';
import type { SimOptions } from '../config/sim-options.schema';
import { SimEngine, type GenerationResult } from '../engine/engine.service';
import { KnowledgeBase } from '../knowledge/knowledge.service';
import { generatePieces } from '../knowledge/text-generator.util';
import { SimLifecycle } from '../lifecycle/lifecycle.service';
import { ServedModel } from '../serving/served-model.service';
import { SIM_OPTIONS } from '../sim.constants';
import { ChatTemplateError } from '../tokenizer/chat-template.util';
import { PromptEncoder } from '../tokenizer/prompt-encoder.util';
import { EOS_TOKEN } from '../tokenizer/tokenizer.constants';
import { splitPieces, tokenize } from '../tokenizer/tokenizer.util';
import {
  ChatCompletionRequestSchema,
  CompletionRequestSchema,
  messageText,
} from './completion-request.schema';
import {
  CompletionChunks,
  completionBody,
  SSE_DONE,
  usageOf,
  type CompletionKind,
  type CompletionMeta,
} from './completion-stream.util';

/** Longest a stream's headers wait for its first token before they are sent alone. */
const HEADER_FLUSH_DELAY_MS = 20;

/** A validated request reduced to what generation needs. */
interface Prepared {
  model: string;
  promptTokens: number[];
  /** Text the answer is looked up by: the last user message, or the raw prompt. */
  question: string;
  maxTokens: number | undefined;
  stream: boolean;
  includeUsage: boolean;
}

interface Plan {
  output: string[];
  finishReason: 'stop' | 'length';
}

/**
 * Turns an OpenAI request into a sequence on the engine and its output into OpenAI's response
 * (JSON or SSE). Faults apply here: not ready, injected 500s, wrong answers, leaked tokens.
 */
@Injectable()
export class CompletionsService {
  constructor(
    private readonly engine: SimEngine,
    private readonly faults: FaultState,
    private readonly lifecycle: SimLifecycle,
    private readonly knowledge: KnowledgeBase,
    private readonly prompts: PromptEncoder,
    private readonly served: ServedModel,
    @Inject(SIM_OPTIONS) private readonly options: SimOptions,
  ) {}

  handle(kind: CompletionKind, body: unknown, res: Response): void {
    const index = this.lifecycle.completionArrived();
    res.once('close', () => this.lifecycle.completionAnswered());
    this.served.assertReady();
    const prepared = kind === 'chat' ? this.prepareChat(body) : this.prepareText(body);
    if (this.faults.shouldFail(index)) throw new OpenAiHttpError(500, SIM_ERRORS.injected);
    const plan = this.plan(prepared);
    const meta: CompletionMeta = {
      id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replaceAll('-', '')}`,
      created: Math.floor(Date.now() / 1000),
      model: prepared.model,
      kind,
    };
    if (prepared.stream) this.stream(meta, prepared, plan, res);
    else this.respond(meta, prepared, plan, res);
  }

  private prepareChat(body: unknown): Prepared {
    const request = parseBody(ChatCompletionRequestSchema, body);
    const model = this.served.resolve(request.model);
    const messages = request.messages.map((message) => ({
      role: message.role,
      content: messageText(message),
    }));
    let promptTokens: number[];
    try {
      promptTokens = this.prompts.encodeChat(messages, true);
    } catch (error) {
      if (error instanceof ChatTemplateError) throw new OpenAiHttpError(400, error.message);
      throw error;
    }
    const lastUser = [...messages].reverse().find((message) => message.role === 'user');
    return this.prepared(
      model,
      promptTokens,
      lastUser?.content ?? '',
      request.max_completion_tokens ?? request.max_tokens ?? undefined,
      request,
    );
  }

  private prepareText(body: unknown): Prepared {
    const request = parseBody(CompletionRequestSchema, body);
    const model = this.served.resolve(request.model);
    const { prompt } = request;
    const text =
      typeof prompt === 'string' ? prompt : typeof prompt[0] === 'string' ? prompt[0] : '';
    const tokens =
      typeof prompt[0] === 'number' ? (prompt as number[]) : tokenize(text, { addBos: true });
    return this.prepared(model, tokens, text, request.max_tokens ?? undefined, request);
  }

  private prepared(
    model: string,
    promptTokens: number[],
    question: string,
    maxTokens: number | undefined,
    request: {
      stream?: boolean | null;
      stream_options?: { include_usage?: boolean | null } | null;
    },
  ): Prepared {
    const stream = request.stream === true;
    if (request.stream_options && !stream) {
      throw new OpenAiHttpError(400, SIM_ERRORS.streamOptionsWithoutStream, 'stream_options');
    }
    const limit = this.options.maxModelLen;
    if (promptTokens.length + (maxTokens ?? 0) > limit || promptTokens.length >= limit) {
      throw new OpenAiHttpError(
        400,
        SIM_ERRORS.contextTooLong(limit, promptTokens.length, maxTokens ?? 0),
        'messages',
      );
    }
    return {
      model,
      promptTokens,
      question,
      maxTokens,
      stream,
      includeUsage: request.stream_options?.include_usage === true,
    };
  }

  /** What the sequence will say: a known answer (right or wrong per quality) or filler text. */
  private plan({ question, maxTokens, promptTokens }: Prepared): Plan {
    const faults = this.faults.get();
    const limit = maxTokens ?? this.options.maxTokens;
    const known = question ? this.knowledge.answer(question, faults.quality) : undefined;
    let output: string[];
    // Without max_tokens, filler ends as if the model emitted EOS; with it, it runs to the limit.
    let naturalEnd: boolean;
    if (known) {
      output = splitPieces(known.text);
      naturalEnd = true;
    } else {
      const key = `${this.options.seed}|${question || promptTokens.join(',')}`;
      output = generatePieces(key, limit);
      naturalEnd = maxTokens === undefined;
    }
    if (faults.leakTemplate) output = [...output, EOS_TOKEN];
    if (output.length <= limit) return { output, finishReason: naturalEnd ? 'stop' : 'length' };
    // Cut by max_tokens; a leaked token stays visible, as a broken template's would.
    const cut = faults.leakTemplate
      ? [...output.slice(0, limit - 1), EOS_TOKEN]
      : output.slice(0, limit);
    return { output: cut, finishReason: 'length' };
  }

  private stream(meta: CompletionMeta, prepared: Prepared, plan: Plan, res: Response): void {
    const chunks = new CompletionChunks(meta);
    res.status(200);
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-cache');
    // Headers leave with the first token (one write, not two) unless prefill or the queue holds
    // the request longer: then a client still learns early that it was accepted.
    const headerTimer = setTimeout(() => res.flushHeaders(), HEADER_FLUSH_DELAY_MS);
    let opened = false;
    const handle = this.engine.submit(
      { promptTokens: prepared.promptTokens, ...plan },
      {
        onTokens: (pieces) => {
          if (res.writableEnded) return;
          const opening = opened ? '' : chunks.opening();
          if (!opened) clearTimeout(headerTimer);
          opened = true;
          // Corked until the next tick: a last token and the closing chunks leave in one write.
          res.cork();
          res.write(opening + chunks.tokens(pieces));
          process.nextTick(() => res.uncork());
        },
        onFinish: (result) => {
          clearTimeout(headerTimer);
          if (res.writableEnded || res.destroyed) return;
          let out = chunks.final(result.finishReason);
          // An aborted stream ends without [DONE]: the client can tell it was cut.
          if (result.finishReason !== 'abort') {
            if (prepared.includeUsage) out += chunks.usage(usageOf(result));
            out += SSE_DONE;
          }
          res.end(out);
        },
      },
    );
    res.once('close', () => handle.abort());
  }

  private respond(meta: CompletionMeta, prepared: Prepared, plan: Plan, res: Response): void {
    let text = '';
    const handle = this.engine.submit(
      { promptTokens: prepared.promptTokens, ...plan },
      {
        onTokens: (pieces) => {
          text += pieces.join('');
        },
        onFinish: (result: GenerationResult) => {
          if (res.writableEnded || res.destroyed) return;
          if (result.finishReason === 'abort') {
            res.status(503).json(openAiErrorBody(503, SIM_ERRORS.aborted));
            return;
          }
          res.status(200).json(completionBody(meta, text, result));
        },
      },
    );
    res.once('close', () => handle.abort());
  }
}
