import { ChatTemplate, type ChatMessage } from './chat-template.util';
import { tokenize } from './tokenizer.util';

/** Rendered-and-tokenized prompts kept for reuse; benchmarks and canaries repeat prompts a lot. */
const CACHE_SIZE = 1024;

/**
 * Chat messages → prompt token ids through the release's template. Rendering jinja is the
 * costliest step of a request, so recent results are memoized (LRU) by the exact messages.
 */
export class PromptEncoder {
  private readonly cache = new Map<string, number[]>();

  constructor(readonly template: ChatTemplate) {}

  encodeChat(messages: readonly ChatMessage[], addGenerationPrompt = true): number[] {
    const key = `${addGenerationPrompt ? 1 : 0}${JSON.stringify(messages)}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const ids = tokenize(this.template.render(messages, addGenerationPrompt));
    this.cache.set(key, ids);
    if (this.cache.size > CACHE_SIZE) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    return ids;
  }
}
