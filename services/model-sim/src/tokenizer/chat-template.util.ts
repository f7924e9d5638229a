import { Template } from '@huggingface/jinja';
import {
  BOS_TOKEN,
  DEFAULT_CHAT_TEMPLATE,
  EOS_TOKEN,
  TEMPLATE_ERRORS,
} from './tokenizer.constants';

export interface ChatMessage {
  role: string;
  content: string;
}

export class ChatTemplateError extends Error {
  override readonly name = 'ChatTemplateError';
}

/** A release's chat template (jinja, rendered as transformers does) turning messages into the prompt text. */
export class ChatTemplate {
  private readonly template: Template;

  constructor(readonly source: string = DEFAULT_CHAT_TEMPLATE) {
    try {
      this.template = new Template(source);
    } catch (error) {
      throw new ChatTemplateError(TEMPLATE_ERRORS.invalid((error as Error).message));
    }
  }

  render(messages: readonly ChatMessage[], addGenerationPrompt = true): string {
    try {
      return this.template.render({
        messages,
        add_generation_prompt: addGenerationPrompt,
        bos_token: BOS_TOKEN,
        eos_token: EOS_TOKEN,
      });
    } catch (error) {
      throw new ChatTemplateError(TEMPLATE_ERRORS.render((error as Error).message));
    }
  }
}
