import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { CachedAnswer } from '@greenlight/caches';
import {
  CACHE_GENERATION_HEADER,
  CACHE_HEADER,
  POOL_HEADER,
  VERSION_HEADER,
} from '../proxy/proxy.constants';
import type { CompletionKind } from './cache-request.util';

export interface CachedReply {
  kind: CompletionKind;
  /** The request's `model` (the service), echoed as OpenAI does. */
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** Pool and release the request was routed to, and the generation the answer came from. */
  pool: string;
  release: string;
  generation: string;
}

/** Word-sized pieces (each with its trailing space) so a streaming client renders as usual. */
const PIECE = /\S+\s*|\s+/g;

function usageOf(answer: CachedAnswer, pieces: number) {
  const prompt = answer.usage?.promptTokens ?? 0;
  const completion = answer.usage?.completionTokens ?? pieces;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}

function jsonBody(answer: CachedAnswer, reply: CachedReply, id: string, created: number) {
  const { content, finishReason } = answer;
  const choice =
    reply.kind === 'chat'
      ? {
          index: 0,
          message: { role: 'assistant', content },
          logprobs: null,
          finish_reason: finishReason,
        }
      : { index: 0, text: content, logprobs: null, finish_reason: finishReason };
  return {
    id,
    object: reply.kind === 'chat' ? 'chat.completion' : 'text_completion',
    created,
    model: reply.model,
    choices: [choice],
    usage: usageOf(answer, content.match(PIECE)?.length ?? 0),
  };
}

/** The stream OpenAI would have sent: role, content pieces, finish, optional usage, [DONE]. */
function streamBody(answer: CachedAnswer, reply: CachedReply, id: string, created: number) {
  const chat = reply.kind === 'chat';
  const envelope = {
    id,
    object: chat ? 'chat.completion.chunk' : 'text_completion',
    created,
    model: reply.model,
  };
  const event = (choices: unknown[], extra: object = {}) =>
    `data: ${JSON.stringify({ ...envelope, choices, ...extra })}\n\n`;
  const choice = (piece: string | null, finishReason: string | null, role = false) =>
    chat
      ? {
          index: 0,
          delta:
            piece === null ? {} : role ? { role: 'assistant', content: piece } : { content: piece },
          logprobs: null,
          finish_reason: finishReason,
        }
      : { index: 0, text: piece ?? '', logprobs: null, finish_reason: finishReason };
  const pieces = answer.content.match(PIECE) ?? [];
  let out = chat ? event([choice('', null, true)]) : '';
  for (const piece of pieces) out += event([choice(piece, null)]);
  out += event([choice(null, answer.finishReason)]);
  if (reply.includeUsage) out += event([], { usage: usageOf(answer, pieces.length) });
  return `${out}data: [DONE]\n\n`;
}

/** Answers the request from the cache: JSON, or the whole SSE stream in one write. */
export function sendCachedAnswer(
  res: ServerResponse,
  answer: CachedAnswer,
  reply: CachedReply,
): void {
  const kind = reply.kind === 'chat' ? 'chatcmpl' : 'cmpl';
  const id = `${kind}-${randomUUID().replaceAll('-', '')}`;
  const created = Math.floor(Date.now() / 1000);
  const body = reply.stream
    ? streamBody(answer, reply, id, created)
    : JSON.stringify(jsonBody(answer, reply, id, created));
  res.writeHead(200, {
    'content-type': reply.stream ? 'text/event-stream; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(reply.stream ? { 'cache-control': 'no-cache' } : {}),
    [POOL_HEADER]: reply.pool,
    [VERSION_HEADER]: reply.release,
    [CACHE_HEADER]: 'hit',
    [CACHE_GENERATION_HEADER]: reply.generation,
  });
  res.end(body);
}
