/** Markers found textually: the stream is forwarded as bytes and never JSON-parsed. */
const CONTENT_MARKERS = ['"content":"', '"content": "', '"text":"', '"text": "'] as const;
/** At a line start: inside a JSON string a newline is escaped, so generated text cannot match. */
const DONE_MARKERS = ['\ndata: [DONE]', '\ndata:[DONE]'] as const;
const USAGE_MARKER = '"completion_tokens":';
/** Enough of the previous chunk to hold any marker (with its digits) cut at a chunk boundary. */
const CARRY_CHARS = 48;
const QUOTE = 0x22;
const SPACE = 0x20;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * Watches an OpenAI response go by, chunk by chunk, without buffering it: counts SSE events that
 * carry generated text (a role-only first delta `"content":""` does not), notices `data: [DONE]`,
 * and reads `usage.completion_tokens` (streams with include_usage, and plain JSON answers).
 * Chunks are read as latin1 so every byte is one char: markers are ASCII, and multi-byte UTF-8
 * inside the text can never look like one.
 */
export class SseScanner {
  /** Events carrying generated text so far. */
  contentEvents = 0;
  done = false;
  completionTokens: number | undefined;
  private carry = '';

  /** @param countContent false for a plain JSON answer (only usage matters). */
  constructor(private readonly countContent = true) {}

  /** Scans one chunk; returns how many content events completed in it. */
  feed(chunk: Buffer): number {
    const fresh = this.carry.length;
    const text = fresh === 0 ? chunk.toString('latin1') : this.carry + chunk.toString('latin1');
    let found = 0;
    if (this.countContent) {
      for (const marker of CONTENT_MARKERS) found += countContent(text, marker, fresh);
      this.contentEvents += found;
    }
    if (!this.done) this.done = text.includes(DONE_MARKERS[0]) || text.includes(DONE_MARKERS[1]);
    const tokens = readUsage(text);
    if (tokens !== undefined) this.completionTokens = tokens;
    this.carry = text.length > CARRY_CHARS ? text.slice(text.length - CARRY_CHARS) : text;
    return found;
  }

  /** Output tokens: the server's own count when it sent usage, else the content events seen. */
  outputTokens(): number {
    return this.completionTokens ?? this.contentEvents;
  }
}

/**
 * Occurrences of `marker` followed by a character other than `"` (text, not an empty string).
 * Only matches whose next character lies at or after `fresh` are new: the ones before it were
 * whole in the previous chunk and counted then.
 */
function countContent(text: string, marker: string, fresh: number): number {
  let count = 0;
  let at = text.indexOf(marker, Math.max(0, fresh - marker.length));
  while (at !== -1) {
    const next = at + marker.length;
    if (next >= text.length) break; // the next char is in the next chunk: counted then
    if (next >= fresh && text.charCodeAt(next) !== QUOTE) count++;
    at = text.indexOf(marker, next);
  }
  return count;
}

/** The last complete `"completion_tokens": N` in the text (digits followed by a non-digit). */
function readUsage(text: string): number | undefined {
  const at = text.lastIndexOf(USAGE_MARKER);
  if (at === -1) return undefined;
  let i = at + USAGE_MARKER.length;
  while (i < text.length && text.charCodeAt(i) === SPACE) i++;
  let value = 0;
  let digits = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) break;
    value = value * 10 + (c - DIGIT_0);
    digits++;
  }
  // Ran into the chunk's end: the number may go on; the carry brings it back next time.
  if (digits === 0 || i >= text.length) return undefined;
  return value;
}
