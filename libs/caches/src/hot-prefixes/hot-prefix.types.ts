/** One chat message as a prompt prefix keeps it. */
export interface PrefixMessage {
  role: string;
  content: string;
}

/** A prompt prefix clients send often: the system prompt and leading messages, block-aligned. */
export interface HotPrefix {
  /** Stable id of the prefix (a hash of its messages). */
  id: string;
  messages: PrefixMessage[];
  /** Decayed request count: recent requests weigh more. */
  score: number;
  /** Approximate prompt tokens of the prefix. */
  tokens: number;
}

/** Where the gateway records hot prefixes and the cache-manager reads them (Redis). */
export interface HotPrefixReader {
  top(service: string, limit: number): Promise<HotPrefix[]>;
}

/** The gateway's side: counts a request's prefix; never blocks or fails the request. */
export interface HotPrefixRecorder {
  record(service: string, messages: readonly PrefixMessage[]): void;
}
