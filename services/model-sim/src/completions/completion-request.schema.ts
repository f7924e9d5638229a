import { z } from 'zod';

const TextPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

export const ChatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(TextPartSchema), z.null()]).optional(),
});

const positiveInt = z.number().int().min(1);

/** Sampling fields vLLM validates; the simulator accepts them and ignores their values. */
const common = {
  model: z.string().min(1).optional(),
  max_tokens: positiveInt.nullish(),
  stream: z.boolean().nullish(),
  stream_options: z
    .looseObject({
      include_usage: z.boolean().nullish(),
      continuous_usage_stats: z.boolean().nullish(),
    })
    .nullish(),
  n: z.number().int().min(1).max(1, 'only n=1 is supported by the simulator').nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  user: z.string().nullish(),
};

/** POST /v1/chat/completions; unknown fields pass, as OpenAI clients send many. */
export const ChatCompletionRequestSchema = z.looseObject({
  ...common,
  messages: z.array(ChatMessageSchema).min(1),
  max_completion_tokens: positiveInt.nullish(),
});

/** POST /v1/completions: one prompt, as text or token ids. */
export const CompletionRequestSchema = z.looseObject({
  ...common,
  prompt: z.union([
    z.string(),
    z.array(z.string()).length(1, 'only one prompt per request is supported'),
    z.array(z.number().int().min(0)).min(1),
  ]),
});

/** POST /tokenize with a raw prompt (vLLM adds BOS unless add_special_tokens is false). */
export const TokenizePromptSchema = z.looseObject({
  model: z.string().min(1).optional(),
  prompt: z.string(),
  add_special_tokens: z.boolean().optional(),
});

/** POST /tokenize with chat messages, rendered through the release's chat template. */
export const TokenizeChatSchema = z.looseObject({
  model: z.string().min(1).optional(),
  messages: z.array(ChatMessageSchema).min(1),
  add_generation_prompt: z.boolean().optional(),
});

export type ChatCompletionRequest = z.output<typeof ChatCompletionRequestSchema>;
export type CompletionRequest = z.output<typeof CompletionRequestSchema>;
export type ChatMessageInput = z.output<typeof ChatMessageSchema>;

/** OpenAI content may be parts; the template sees the text. */
export function messageText(message: ChatMessageInput): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((part) => part.text ?? '').join('');
}
