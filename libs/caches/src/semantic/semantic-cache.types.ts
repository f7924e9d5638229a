/** What a request is looked up and stored under: the service and the generation of its pool. */
export interface SemanticQuery {
  service: string;
  /** The generation of the pool the request was routed to (PoolRoute.generation). */
  generation: string;
  /** The text that is embedded: the request's messages (or prompt), normalised. */
  text: string;
}

/** An answer kept in the semantic cache. */
export interface CachedAnswer {
  /** The assistant message content (chat) or completion text. */
  content: string;
  finishReason: string;
  /** The release that produced it (its pool's release at the time). */
  release: string;
  createdAt: string;
  usage?: { promptTokens: number; completionTokens: number };
}

export interface SemanticHit {
  answer: CachedAnswer;
  /** Cosine similarity of the stored request to the looked-up one, in [0, 1]. */
  similarity: number;
}

/** What the cache-manager needs of a semantic-cache backend to follow deploys. */
export interface SemanticGenerationAdmin {
  /** Removes every answer stored under `generation`; idempotent. */
  dropGeneration(service: string, generation: string): Promise<void>;
  /** Entries stored under `generation` (for reports and tests). */
  countGeneration(service: string, generation: string): Promise<number>;
}

/** A semantic-cache backend (Redis by default, Qdrant): lookups and stores never cross generations. */
export interface SemanticCache extends SemanticGenerationAdmin {
  /** The nearest entry of `query.generation` at or above the similarity threshold, or null. */
  lookup(query: SemanticQuery): Promise<SemanticHit | null>;
  store(query: SemanticQuery, answer: CachedAnswer, ttlSeconds: number): Promise<void>;
  close(): Promise<void>;
}
