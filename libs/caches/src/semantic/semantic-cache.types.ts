/** What the cache-manager needs of a semantic-cache backend to follow deploys. */
export interface SemanticGenerationAdmin {
  /** Removes every answer stored under `generation`; idempotent. */
  dropGeneration(service: string, generation: string): Promise<void>;
  /** Entries stored under `generation` (for reports and tests). */
  countGeneration(service: string, generation: string): Promise<number>;
}
