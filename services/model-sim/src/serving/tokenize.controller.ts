import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { OpenAiHttpError } from '../common/openai-error.util';
import { parseBody } from '../common/request-body.util';
import {
  messageText,
  TokenizeChatSchema,
  TokenizePromptSchema,
} from '../completions/completion-request.schema';
import { ChatTemplateError } from '../tokenizer/chat-template.util';
import { PromptEncoder } from '../tokenizer/prompt-encoder.util';
import { tokenize } from '../tokenizer/tokenizer.util';
import { ServedModel } from './served-model.service';

export interface TokenizeResponse {
  count: number;
  max_model_len: number;
  tokens: number[];
  token_strs: null;
}

@Controller('tokenize')
export class TokenizeController {
  constructor(
    private readonly served: ServedModel,
    private readonly prompts: PromptEncoder,
  ) {}

  /** vLLM's /tokenize: messages go through the release's chat template, so a template change shows. */
  @Post()
  @HttpCode(200)
  tokenize(@Body() body: unknown): TokenizeResponse {
    this.served.assertReady();
    const isChat = typeof body === 'object' && body !== null && 'messages' in body;
    let tokens: number[];
    if (isChat) {
      const request = parseBody(TokenizeChatSchema, body);
      this.served.resolve(request.model);
      const messages = request.messages.map((m) => ({ role: m.role, content: messageText(m) }));
      try {
        tokens = this.prompts.encodeChat(messages, request.add_generation_prompt ?? true);
      } catch (error) {
        if (error instanceof ChatTemplateError) throw new OpenAiHttpError(400, error.message);
        throw error;
      }
    } else {
      const request = parseBody(TokenizePromptSchema, body);
      this.served.resolve(request.model);
      tokens = tokenize(request.prompt, { addBos: request.add_special_tokens ?? true });
    }
    return {
      count: tokens.length,
      max_model_len: this.served.maxModelLen,
      tokens,
      token_strs: null,
    };
  }
}
