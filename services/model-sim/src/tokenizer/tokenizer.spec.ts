import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatTemplate, ChatTemplateError } from './chat-template.util';
import { PromptEncoder } from './prompt-encoder.util';
import { BOS_TOKEN, SPECIAL_TOKEN_IDS, VOCAB_SIZE } from './tokenizer.constants';
import { splitPieces, tokenize } from './tokenizer.util';

const messages = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'What is the capital of France?' },
];

describe('tokenizer', () => {
  it('splits text into pieces of at most 4 characters that join back to the text', () => {
    const text = 'Tokenization of extraordinarily long words, numbers 1234567 and émojis 🎉!';
    const pieces = splitPieces(text);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) expect(Array.from(piece).length).toBeLessThanOrEqual(4);
  });

  it('gives the same ids for the same text, in the 128k vocabulary', () => {
    const ids = tokenize('the quick brown fox jumps over the lazy dog');
    expect(tokenize('the quick brown fox jumps over the lazy dog')).toEqual(ids);
    expect(ids.every((id) => id >= 0 && id < VOCAB_SIZE)).toBe(true);
    expect(tokenize('the quick brown cat')).not.toEqual(tokenize('the quick brown fox'));
  });

  it('maps special tokens to their fixed Llama 3 ids', () => {
    expect(
      tokenize('<|begin_of_text|><|start_header_id|>user<|end_header_id|>hi<|eot_id|>'),
    ).toEqual([128_000, 128_006, expect.any(Number), 128_007, expect.any(Number), 128_009]);
    expect(SPECIAL_TOKEN_IDS['<|eot_id|>']).toBe(128_009);
  });

  it('treats unknown <|…|> markers as plain text', () => {
    expect(splitPieces('<|not_special|>').length).toBeGreaterThan(1);
  });

  it('adds <|begin_of_text|> to raw prompts once', () => {
    expect(tokenize('hello', { addBos: true })[0]).toBe(SPECIAL_TOKEN_IDS[BOS_TOKEN]);
    expect(
      tokenize(`${BOS_TOKEN}hello`, { addBos: true }).filter((id) => id === 128_000),
    ).toHaveLength(1);
  });
});

describe('ChatTemplate', () => {
  it('renders the built-in Llama 3 template like the example release template', () => {
    const file = join(__dirname, '../../../../examples/releases/templates/llama3.jinja');
    const fromFile = new ChatTemplate(readFileSync(file, 'utf8')).render(messages);
    expect(new ChatTemplate().render(messages)).toBe(fromFile);
    expect(fromFile).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('changes the token ids when the template changes', () => {
    const llama = tokenize(new ChatTemplate().render(messages));
    const chatml = new ChatTemplate(
      '{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}',
    );
    const other = tokenize(chatml.render(messages));
    expect(other).not.toEqual(llama);
    expect(other[0]).toBe(SPECIAL_TOKEN_IDS['<|im_start|>']);
  });

  it('leaves out the assistant header without add_generation_prompt', () => {
    expect(new ChatTemplate().render(messages, false)).not.toContain('assistant');
  });

  it('rejects a template that does not parse, saying so', () => {
    expect(() => new ChatTemplate('{% for m in messages %}')).toThrow(ChatTemplateError);
    expect(() => new ChatTemplate('{% for m in messages %}')).toThrow(
      /chat template does not parse/,
    );
  });
});

describe('PromptEncoder', () => {
  it('gives the ids of the rendered template, the same on a repeat', () => {
    const encoder = new PromptEncoder(new ChatTemplate());
    const expected = tokenize(new ChatTemplate().render(messages));
    expect(encoder.encodeChat(messages)).toEqual(expected);
    expect(encoder.encodeChat(messages)).toEqual(expected);
    expect(encoder.encodeChat(messages, false)).not.toEqual(expected);
  });
});
