/** Regular (non-special) token ids are 0 … VOCAB_SIZE-1; special tokens sit above, as in Llama 3. */
export const VOCAB_SIZE = 128_000;

export const BOS_TOKEN = '<|begin_of_text|>';
export const EOS_TOKEN = '<|eot_id|>';

/** Llama 3's special tokens keep their real ids, so token dumps look familiar. */
export const SPECIAL_TOKEN_IDS: Readonly<Record<string, number>> = {
  [BOS_TOKEN]: 128_000,
  '<|end_of_text|>': 128_001,
  '<|finetune_right_pad_id|>': 128_004,
  '<|start_header_id|>': 128_006,
  '<|end_header_id|>': 128_007,
  '<|eom_id|>': 128_008,
  [EOS_TOKEN]: 128_009,
  '<|python_tag|>': 128_010,
  // ChatML-style templates (Qwen, …) get ids too, so switching template families changes ids.
  '<|im_start|>': 128_011,
  '<|im_end|>': 128_012,
};

/** Longest text a regular token covers. */
export const MAX_PIECE_CHARS = 4;

/** Built-in chat template when --chat-template is not given: Llama 3 style. */
export const DEFAULT_CHAT_TEMPLATE = [
  '{{- bos_token }}',
  '{%- for message in messages %}',
  "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}",
  '{%- endfor %}',
  '{%- if add_generation_prompt %}',
  "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}",
  '{%- endif %}',
].join('\n');

export const TEMPLATE_ERRORS = {
  invalid: (reason: string) => `chat template does not parse: ${reason}`,
  render: (reason: string) => `chat template failed to render the messages: ${reason}`,
} as const;
