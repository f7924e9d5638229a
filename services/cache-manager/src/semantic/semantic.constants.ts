/** Injection token: the SemanticGenerationAdmin of the configured backend (drop/count generations). */
export const SEMANTIC_GENERATION_ADMIN = Symbol('SEMANTIC_GENERATION_ADMIN');
