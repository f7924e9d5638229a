import { promptPrefixOf } from './hot-prefix.util';

const SYSTEM = 'You are the support assistant of ACME. '.repeat(10); // 390 characters

describe('promptPrefixOf', () => {
  it('keeps the system prompt and leading turns, not the last user message', () => {
    const prefix = promptPrefixOf([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'Where is my order? '.repeat(4) },
      { role: 'assistant', content: 'Which order number do you mean? '.repeat(3) },
      { role: 'user', content: '42' },
    ]);

    expect(prefix?.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
  });

  it('counts whole 16-token blocks (≈ 64 characters) and keeps the messages whole for the replay', () => {
    const prefix = promptPrefixOf([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'Hi' },
    ]);

    expect(prefix?.messages).toEqual([{ role: 'system', content: SYSTEM }]);
    expect(prefix?.tokens).toBe(96); // 390 characters → 6 whole blocks of 64
  });

  it('counts requests that differ only in their last message as one prefix', () => {
    const a = promptPrefixOf([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'What are your opening hours?' },
    ]);
    const b = promptPrefixOf([
      { role: 'system', content: `${SYSTEM}!` }, // differs only past the last whole block
      { role: 'user', content: 'Can I return a gift?' },
    ]);

    expect(a?.id).toMatch(/^[0-9a-f]{24}$/);
    expect(b?.id).toBe(a?.id);
  });

  it('gives another id to another system prompt', () => {
    const a = promptPrefixOf([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'x' },
    ]);
    const b = promptPrefixOf([
      { role: 'system', content: SYSTEM.toUpperCase() },
      { role: 'user', content: 'x' },
    ]);

    expect(b?.id).not.toBe(a?.id);
  });

  it('records nothing when the prefix is shorter than one block', () => {
    expect(promptPrefixOf([{ role: 'user', content: SYSTEM }])).toBeNull();
    expect(
      promptPrefixOf([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ]),
    ).toBeNull();
  });
});
