import type { Release, SemanticCacheMode } from '@greenlight/contracts';

/** How bad a difference is for blue's cached answers, least severe first: the most severe wins. */
export const SEMANTIC_SEVERITY: Readonly<Record<SemanticCacheMode, number>> = {
  share: 0,
  'new-generation': 1,
  'new-collection': 2,
};

/** One release field the plan compares, and what a change of it means for the semantic cache. */
export interface ReleaseFieldRule {
  /** The manifest path, as a reason line names it. */
  field: string;
  /** share: answers stay valid; new-generation: answers may differ; new-collection: vectors differ. */
  semantic: SemanticCacheMode;
  /** Why this field has that effect (the tail of the reason line). */
  why: string;
  /** The comparable value; undefined means "not set". */
  read: (release: Release) => unknown;
}

const ANSWERS_MAY_DIFFER = 'answers may differ';

/**
 * Every release field that can change what the model answers (or how answers are embedded).
 * engine.args is compared flag by flag against ENGINE_ARG_RULES instead; see cache-plan.util.
 */
export const RELEASE_FIELD_RULES: readonly ReleaseFieldRule[] = [
  { field: 'version', semantic: 'share', why: 'a label only', read: (r) => r.version },
  {
    field: 'model.id',
    semantic: 'new-generation',
    why: ANSWERS_MAY_DIFFER,
    read: (r) => r.model.id,
  },
  {
    field: 'model.revision',
    semantic: 'new-generation',
    why: ANSWERS_MAY_DIFFER,
    read: (r) => r.model.revision,
  },
  {
    field: 'template.sha256',
    semantic: 'new-generation',
    why: 'the chat template changes the prompt the model sees',
    read: (r) => r.template?.sha256,
  },
  {
    field: 'tokenizer.sha256',
    semantic: 'new-generation',
    why: ANSWERS_MAY_DIFFER,
    read: (r) => r.tokenizer?.sha256,
  },
  {
    field: 'sampling.temperature',
    semantic: 'new-generation',
    why: ANSWERS_MAY_DIFFER,
    read: (r) => r.sampling?.temperature,
  },
  {
    field: 'sampling.top_p',
    semantic: 'new-generation',
    why: ANSWERS_MAY_DIFFER,
    read: (r) => r.sampling?.top_p,
  },
  {
    field: 'sampling.max_tokens',
    semantic: 'new-generation',
    why: 'answers may be cut at a different length',
    read: (r) => r.sampling?.max_tokens,
  },
  {
    field: 'systemPrompt',
    semantic: 'new-generation',
    why: ANSWERS_MAY_DIFFER,
    read: (r) => r.systemPrompt,
  },
  {
    field: 'adapters',
    semantic: 'new-generation',
    why: ANSWERS_MAY_DIFFER,
    // The set of adapters matters, not the order they are listed in.
    read: (r) => (r.adapters ? [...r.adapters].sort() : undefined),
  },
  {
    field: 'quantization',
    semantic: 'new-generation',
    why: 'other numerics, answers may differ',
    read: (r) => r.quantization,
  },
  {
    field: 'embeddingModel',
    semantic: 'new-collection',
    why: 'stored vectors are incompatible with the new embeddings',
    read: (r) => r.embeddingModel,
  },
  {
    field: 'engine.name',
    semantic: 'new-generation',
    why: ANSWERS_MAY_DIFFER,
    read: (r) => r.engine?.name,
  },
  {
    field: 'engine.version',
    semantic: 'new-generation',
    why: 'kernels and defaults change between engine versions',
    read: (r) => r.engine?.version,
  },
  {
    field: 'hardware',
    semantic: 'share',
    why: 'the same model answers the same on other hardware',
    read: (r) => r.hardware,
  },
];

/** What pool size does to answers: nothing (it is not a release field; the caller passes it). */
export const REPLICAS_RULE = {
  field: 'replicas',
  semantic: 'share',
  why: 'more or fewer copies of the same model',
} as const satisfies Omit<ReleaseFieldRule, 'read'>;

/**
 * vLLM flags known not to change outputs (capacity, parallelism, scheduling, serving). Every flag
 * not listed here, or listed as new-generation, starts a new generation: unknown means unsafe.
 */
export const ENGINE_ARG_RULES: Readonly<Record<string, SemanticCacheMode>> = {
  '--max-model-len': 'share',
  '--gpu-memory-utilization': 'share',
  '--max-num-seqs': 'share',
  '--max-num-batched-tokens': 'share',
  '--tensor-parallel-size': 'share',
  '--pipeline-parallel-size': 'share',
  '--data-parallel-size': 'share',
  '--swap-space': 'share',
  '--block-size': 'share',
  '--enable-prefix-caching': 'share',
  '--no-enable-prefix-caching': 'share',
  '--enable-chunked-prefill': 'share',
  '--no-enable-chunked-prefill': 'share',
  '--port': 'share',
  '--host': 'share',
  '--served-model-name': 'share',
  '--shutdown-timeout': 'share',
  '--disable-log-requests': 'share',
  '--disable-log-stats': 'share',
  '--uvicorn-log-level': 'share',
  '--api-key': 'share',
  // Listed so a reader sees they were considered: each one changes what the model says.
  '--dtype': 'new-generation',
  '--kv-cache-dtype': 'new-generation',
  '--quantization': 'new-generation',
  '--seed': 'new-generation',
  '--chat-template': 'new-generation',
  '--generation-config': 'new-generation',
  '--override-generation-config': 'new-generation',
  '--tokenizer': 'new-generation',
  '--revision': 'new-generation',
  '--lora-modules': 'new-generation',
};

export const ENGINE_ARG_WHY: Readonly<Record<SemanticCacheMode, string>> = {
  share: 'capacity or serving only, answers stay valid',
  'new-generation': 'may change answers',
  'new-collection': 'changes the embeddings',
};
export const UNKNOWN_ENGINE_ARG_WHY =
  'not known to keep answers the same, so treated as changing them';
