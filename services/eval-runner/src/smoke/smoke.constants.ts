/** The built-in checks every deploy gets on every green replica, in report order. */
export const SMOKE_CHECKS = ['models', 'chat', 'stream', 'template-leak', 'tokenize'] as const;
export type SmokeCheck = (typeof SMOKE_CHECKS)[number];

/** Report rows of smoke checks are `smoke:<check>`. */
export const SMOKE_CASE_PREFIX = 'smoke:';

/** Chat-template special tokens of the common families: none belongs in generated text. */
export const TEMPLATE_SPECIAL_TOKENS = [
  '<|eot_id|>',
  '<|start_header_id|>',
  '<|end_header_id|>',
  '<|begin_of_text|>',
  '<|end_of_text|>',
  '<|eom_id|>',
  '<|python_tag|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|endoftext|>',
  '<|assistant|>',
  '<|user|>',
  '<|system|>',
  '<|end|>',
  '<start_of_turn>',
  '<end_of_turn>',
  '[INST]',
  '[/INST]',
  '</s>',
  '<s>',
] as const;

export const SMOKE_PROMPT = 'Say hello in one short sentence.';
export const SMOKE_MAX_TOKENS = 16;

/** Tokenized on every replica: system, two user turns and an assistant turn exercise the template. */
export const CANONICAL_CONVERSATION = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'What is the capital of France?' },
  { role: 'assistant', content: 'Paris.' },
  { role: 'user', content: 'And of Italy?' },
] as const;

export const SMOKE_ERRORS = {
  modelMissing: (model: string, listed: readonly string[]) =>
    `/v1/models does not list ${JSON.stringify(model)} (it lists ${
      listed.length ? listed.map((id) => JSON.stringify(id)).join(', ') : 'no models'
    })`,
  noFinishReason: (path: string) => `${path} answered without a finish_reason`,
  emptyContent: (path: string) => `${path} answered with empty content`,
  streamNoDone: 'the stream did not end with data: [DONE]',
  streamNoUsage: 'the stream sent no usage chunk (stream_options.include_usage)',
  leaked: (token: string) => `template leak: green's answer contains '${token}'`,
  tokenizeUnsupported: 'no /tokenize on any replica (404): not compared',
  tokensDiffer: (groups: string) =>
    `replicas tokenize the same conversation differently: ${groups}`,
  failedOn: (check: SmokeCheck, replicas: string, detail: string) =>
    `smoke check ${check} failed on ${replicas}: ${detail}`,
  leakOn: (detail: string, replicas: string) => `${detail} (${replicas})`,
} as const;
