import type { Affinity } from '@greenlight/contracts';

export type PoolColour = 'blue' | 'green';

/** Leading characters of the prompt that key prefix affinity (about a system prompt's length). */
export const PREFIX_KEY_CHARS = 256;
const TWO_POW_53 = 2 ** 53;

/**
 * cyrb53: a fast 53-bit string hash with full avalanche (two multiply-xor lanes and a final
 * mix). FNV-1a would leave the top bits barely touched by the last character, so session ids
 * that differ only at the end would land next to each other.
 */
export function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The key's fixed point in [0, 1): it never changes, so only the threshold moves. */
export function splitPoint(key: string): number {
  return hash53(key) / TWO_POW_53;
}

/**
 * Green iff the point lies below green's share. Monotone by construction: raising green's weight
 * raises the threshold, so a key can only cross from blue to green.
 */
export function poolForPoint(point: number, greenWeight: number): PoolColour {
  return point < greenWeight / 100 ? 'green' : 'blue';
}

interface ChatMessage {
  role?: unknown;
  content?: unknown;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    let text = '';
    for (const part of content as { type?: unknown; text?: unknown }[]) {
      if (part && typeof part.text === 'string') text += part.text;
      if (text.length >= PREFIX_KEY_CHARS) break;
    }
    return text;
  }
  return '';
}

/**
 * The prompt's leading text: system prompt + first user message for chat, the prompt for
 * completions; cut at PREFIX_KEY_CHARS. Empty when the body has neither.
 */
export function promptPrefix(body: { messages?: unknown; prompt?: unknown }): string {
  if (Array.isArray(body.messages)) {
    let text = '';
    for (const message of body.messages as ChatMessage[]) {
      if (!message) continue;
      if (message.role === 'system' || message.role === 'developer') {
        text += textOf(message.content) + '\n';
      } else if (message.role === 'user') {
        text += textOf(message.content);
        break;
      }
      if (text.length >= PREFIX_KEY_CHARS) break;
    }
    return text.slice(0, PREFIX_KEY_CHARS);
  }
  const prompt = Array.isArray(body.prompt) ? (body.prompt as unknown[])[0] : body.prompt;
  return typeof prompt === 'string' ? prompt.slice(0, PREFIX_KEY_CHARS) : '';
}

/**
 * The request's point in [0, 1) under the service's affinity: the session header's hash, the
 * prompt prefix's hash, or a random draw (affinity none, or no key to hold on to).
 */
export function requestPoint(
  affinity: Affinity,
  sessionId: string | undefined,
  body: { messages?: unknown; prompt?: unknown },
  random: () => number = Math.random,
): number {
  if (affinity === 'session') return sessionId ? splitPoint(sessionId) : random();
  if (affinity === 'prefix') {
    const prefix = promptPrefix(body);
    return prefix ? splitPoint(prefix) : random();
  }
  return random();
}
