import { createHash } from 'node:crypto';
import { BLOCK_TOKENS, CHARS_PER_TOKEN, MAX_PREFIX_CHARS } from './hot-prefix.constants';
import type { PrefixMessage } from './hot-prefix.types';

/** A request's cacheable prefix: what every request of the conversation sends first. */
export interface PromptPrefix {
  id: string;
  messages: PrefixMessage[];
  tokens: number;
}

const BLOCK_CHARS = BLOCK_TOKENS * CHARS_PER_TOKEN;
const ID_HEX = 24;

/**
 * The system prompt and leading messages: everything before the last user message. Token-block
 * aligned by approximation (tokens ≈ characters / 4): the id covers only whole 16-token blocks,
 * since an engine caches only whole blocks, so requests that differ within the last partial block
 * count as one prefix. The messages are kept whole (up to MAX_PREFIX_CHARS), so a replay warms
 * every block the engine can reuse. null when not even one block is there.
 */
export function promptPrefixOf(messages: readonly PrefixMessage[]): PromptPrefix | null {
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      lastUser = i;
      break;
    }
  }
  const leading = messages.slice(0, lastUser >= 0 ? lastUser : Math.max(0, messages.length - 1));
  const total = leading.reduce((n, m) => n + m.content.length, 0);
  const aligned = Math.floor(Math.min(total, MAX_PREFIX_CHARS) / BLOCK_CHARS) * BLOCK_CHARS;
  // On the gateway's request path: a prompt without a shared prefix costs nothing more.
  if (aligned === 0) return null;
  const kept = cut(leading, MAX_PREFIX_CHARS);
  return { id: prefixId(cut(kept, aligned)), messages: kept, tokens: aligned / CHARS_PER_TOKEN };
}

/** The first `chars` characters of the messages' contents, message boundaries kept. */
function cut(messages: readonly PrefixMessage[], chars: number): PrefixMessage[] {
  const out: PrefixMessage[] = [];
  let budget = chars;
  for (const message of messages) {
    if (budget === 0) break;
    const content = message.content.slice(0, budget);
    budget -= content.length;
    out.push({ role: message.role, content });
  }
  return out;
}

/** Stable across processes: the same messages give the same id in every gateway replica. */
export function prefixId(messages: readonly PrefixMessage[]): string {
  const hash = createHash('sha256');
  for (const { role, content } of messages) hash.update(`${role}\u0000${content}\u0000`);
  return hash.digest('hex').slice(0, ID_HEX);
}
