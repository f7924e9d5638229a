import {
  isCacheableRequest,
  readChatMessages,
  refusesCache,
  semanticText,
  type CompletionRequest,
} from './cache-request.util';

describe('semantic-cache request rules', () => {
  it('looks a chat up by every message, whitespace collapsed', () => {
    const chat = readChatMessages([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text', text: '  What is   2+2? ' }] },
    ]);

    expect(chat?.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: '  What is   2+2? ' },
    ]);
    expect(semanticText('chat', {}, chat)).toBe('system: You are terse.\nuser: What is 2+2?');
  });

  it('looks a completion up by its one prompt, and not a list of prompts or token ids', () => {
    expect(semanticText('text', { prompt: ' Once upon\na time' }, undefined)).toBe(
      'Once upon a time',
    );
    expect(semanticText('text', { prompt: ['only one'] }, undefined)).toBe('only one');
    expect(semanticText('text', { prompt: ['one', 'two'] }, undefined)).toBeUndefined();
    expect(semanticText('text', { prompt: [1, 2, 3] }, undefined)).toBeUndefined();
  });

  it('keeps images and tool-call turns out of the cache but still records their text prefix', () => {
    const image = readChatMessages([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: 'data:…' } },
        ],
      },
    ]);
    const toolTurn = readChatMessages([
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'x' }] },
    ]);

    expect(image?.messages).toEqual([{ role: 'user', content: 'What is in this picture?' }]);
    expect(semanticText('chat', {}, image)).toBeUndefined();
    expect(semanticText('chat', {}, toolTurn)).toBeUndefined();
    expect(readChatMessages('not a list')).toBeUndefined();
    expect(readChatMessages([{ content: 'no role' }])).toBeUndefined();
  });

  it.each([
    [{ n: 2 }, false],
    [{ n: 1 }, true],
    [{ tools: [{ type: 'function' }] }, false],
    [{ tools: [] }, true],
    [{ logprobs: true }, false],
    [{ response_format: { type: 'json_object' } }, false],
    [{ response_format: { type: 'text' } }, true],
    [{ temperature: 0.2, max_tokens: 10 }, true],
  ] as [CompletionRequest, boolean][])('treats %j as cacheable: %s', (request, cacheable) => {
    expect(isCacheableRequest(request)).toBe(cacheable);
  });

  it('honours cache-control: no-cache and no-store from the client', () => {
    expect(refusesCache('no-cache')).toBe(true);
    expect(refusesCache('No-Store, max-age=0')).toBe(true);
    expect(refusesCache('max-age=60')).toBe(false);
    expect(refusesCache(undefined)).toBe(false);
  });
});
