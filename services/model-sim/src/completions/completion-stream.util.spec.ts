import { CompletionChunks, completionBody, SSE_DONE } from './completion-stream.util';

const META = { id: 'chatcmpl-1', created: 1_700_000_000, model: 'chat' };
const RESULT = {
  finishReason: 'stop' as const,
  promptTokens: 10,
  completionTokens: 2,
  cachedTokens: 0,
};

function events(text: string): unknown[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return JSON.parse(event.slice('data: '.length)) as unknown;
    });
}

describe('CompletionChunks', () => {
  it('writes chat chunks in OpenAI’s format', () => {
    const chunks = new CompletionChunks({ ...META, kind: 'chat' });
    expect(events(chunks.opening() + chunks.tokens(['Hel', 'lo "x"']))).toEqual([
      {
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model: 'chat',
        choices: [
          {
            index: 0,
            delta: { role: 'assistant', content: '' },
            logprobs: null,
            finish_reason: null,
          },
        ],
      },
      expect.objectContaining({
        choices: [{ index: 0, delta: { content: 'Hel' }, logprobs: null, finish_reason: null }],
      }),
      expect.objectContaining({
        choices: [{ index: 0, delta: { content: 'lo "x"' }, logprobs: null, finish_reason: null }],
      }),
    ]);
    expect(events(chunks.final('length'))).toEqual([
      expect.objectContaining({
        choices: [
          { index: 0, delta: {}, logprobs: null, finish_reason: 'length', stop_reason: null },
        ],
      }),
    ]);
    expect(
      events(
        chunks.usage({
          prompt_tokens: 1,
          completion_tokens: 2,
          total_tokens: 3,
          prompt_tokens_details: { cached_tokens: 0 },
        }),
      ),
    ).toEqual([
      expect.objectContaining({ choices: [], usage: expect.objectContaining({ total_tokens: 3 }) }),
    ]);
    expect(SSE_DONE).toBe('data: [DONE]\n\n');
  });

  it('writes text completion chunks with `text` and no opening chunk', () => {
    const chunks = new CompletionChunks({ ...META, id: 'cmpl-1', kind: 'text' });
    expect(chunks.opening()).toBe('');
    expect(events(chunks.tokens(['abc']))).toEqual([
      {
        id: 'cmpl-1',
        object: 'text_completion',
        created: 1_700_000_000,
        model: 'chat',
        choices: [
          { index: 0, text: 'abc', logprobs: null, finish_reason: null, stop_reason: null },
        ],
      },
    ]);
  });
});

describe('completionBody', () => {
  it('builds chat.completion with usage and cached tokens', () => {
    expect(completionBody({ ...META, kind: 'chat' }, 'Hi', RESULT)).toMatchObject({
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 2,
        total_tokens: 12,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    });
  });
});
