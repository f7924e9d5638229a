import type { PrefixMessage } from '@greenlight/caches';

export type CompletionKind = 'chat' | 'text';

/** The request fields the gateway reads; everything else is forwarded untouched. */
export interface CompletionRequest {
  model?: unknown;
  stream?: unknown;
  stream_options?: unknown;
  messages?: unknown;
  prompt?: unknown;
  n?: unknown;
  best_of?: unknown;
  tools?: unknown;
  functions?: unknown;
  logprobs?: unknown;
  echo?: unknown;
  response_format?: unknown;
}

export interface ChatMessages {
  /** Text of every message (non-text parts left out), as prefix caching sees the prompt. */
  messages: PrefixMessage[];
  /** False when a message carries parts other than text (images, audio): not cacheable by text. */
  textOnly: boolean;
}

/** The request's messages, or undefined when they are not a list of {role, content} objects. */
export function readChatMessages(raw: unknown): ChatMessages | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const messages: PrefixMessage[] = [];
  let textOnly = true;
  for (const item of raw as unknown[]) {
    if (typeof item !== 'object' || item === null) return undefined;
    const { role, content } = item as { role?: unknown; content?: unknown };
    if (typeof role !== 'string') return undefined;
    if (typeof content === 'string') {
      messages.push({ role, content });
    } else if (Array.isArray(content)) {
      let text = '';
      for (const part of content as unknown[]) {
        const { type, text: partText } = (part ?? {}) as { type?: unknown; text?: unknown };
        if (type === 'text' && typeof partText === 'string') text += partText;
        else textOnly = false;
      }
      messages.push({ role, content: text });
    } else if (content === null || content === undefined) {
      messages.push({ role, content: '' });
      // An assistant turn with tool calls has no content: its meaning is not in the text.
      if ((item as { tool_calls?: unknown }).tool_calls !== undefined) textOnly = false;
    } else {
      return undefined;
    }
  }
  return { messages, textOnly };
}

const moreThanOne = (value: unknown): boolean => typeof value === 'number' && value > 1;
const present = (value: unknown): boolean =>
  value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);

/**
 * Whether one cached text answer can stand in for what the request asks: not several choices,
 * no tools (the answer is an action, not text), no log-probabilities or echo a cache cannot
 * replay, no structured output.
 */
export function isCacheableRequest(request: CompletionRequest): boolean {
  if (moreThanOne(request.n) || moreThanOne(request.best_of)) return false;
  if (present(request.tools) || present(request.functions)) return false;
  if (request.logprobs === true || typeof request.logprobs === 'number') return false;
  if (request.echo === true) return false;
  const format = request.response_format as { type?: unknown } | null | undefined;
  if (format && typeof format === 'object' && format.type !== 'text') return false;
  return true;
}

/** `cache-control: no-cache` (or no-store) from the client: neither read nor write the cache. */
export function refusesCache(cacheControl: string | undefined): boolean {
  if (cacheControl === undefined) return false;
  const value = cacheControl.toLowerCase();
  return value.includes('no-cache') || value.includes('no-store');
}

const collapse = (text: string): string => text.trim().replace(/\s+/g, ' ');

/**
 * The text a request is embedded by: every message as `role: content` (the system prompt and
 * the earlier turns change what a right answer is), whitespace collapsed; or the prompt.
 * Undefined: the request cannot be answered from the cache.
 */
export function semanticText(
  kind: CompletionKind,
  request: CompletionRequest,
  chat: ChatMessages | undefined,
): string | undefined {
  if (kind === 'chat') {
    if (!chat?.textOnly) return undefined;
    return chat.messages.map((m) => `${m.role}: ${collapse(m.content)}`).join('\n');
  }
  const { prompt } = request;
  const text =
    typeof prompt === 'string'
      ? prompt
      : Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string'
        ? prompt[0]
        : undefined;
  if (text === undefined) return undefined;
  const normalised = collapse(text);
  return normalised === '' ? undefined : normalised;
}

/** stream_options.include_usage on a streaming request. */
export function includesUsage(request: CompletionRequest): boolean {
  const options = request.stream_options as { include_usage?: unknown } | null | undefined;
  return typeof options === 'object' && options !== null && options.include_usage === true;
}
