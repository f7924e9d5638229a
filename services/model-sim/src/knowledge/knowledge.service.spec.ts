import { KnowledgeBase, normalizePrompt, parseKnowledge } from './knowledge.service';
import { generatePieces } from './text-generator.util';

const ENTRIES = Array.from({ length: 200 }, (_, i) => ({
  prompt: `What is ${i} + ${i}?`,
  answer: `${i + i}`,
}));

function accuracy(base: KnowledgeBase, quality: number): number {
  const right = ENTRIES.filter((e) => base.answer(e.prompt, quality)?.correct).length;
  return right / ENTRIES.length;
}

describe('knowledge', () => {
  it('reads a list of {prompt, answer} or a prompt → answer map, JSON or YAML', () => {
    expect(parseKnowledge('[{"prompt": "a?", "answer": "b"}]')).toEqual([
      { prompt: 'a?', answer: 'b' },
    ]);
    expect(parseKnowledge('"capital of France?": Paris\n')).toEqual([
      { prompt: 'capital of France?', answer: 'Paris' },
    ]);
  });

  it('names the bad entry of a knowledge file', () => {
    expect(() => parseKnowledge('[{"prompt": "a?"}]')).toThrow(/\[0\]\.answer: is required/);
    expect(() => parseKnowledge('42')).toThrow(/list of \{prompt, answer\} or a map/);
  });

  it('matches the prompt trimmed, lowercased and with spaces collapsed', () => {
    const base = new KnowledgeBase([{ prompt: 'Capital of  France?', answer: 'Paris' }], 1, 'v1');
    expect(normalizePrompt('  CAPITAL of France? ')).toBe('capital of france?');
    expect(base.answer('  capital OF france? ', 1)).toEqual({ text: 'Paris', correct: true });
    expect(base.answer('capital of Spain?', 1)).toBeUndefined();
  });

  it('answers correctly about `quality` of the time, the same way every run', () => {
    const base = new KnowledgeBase(ENTRIES, 7, 'v2');
    const again = new KnowledgeBase(ENTRIES, 7, 'v2');
    expect(accuracy(base, 1)).toBe(1);
    expect(accuracy(base, 0)).toBe(0);
    const share = accuracy(base, 0.7);
    expect(share).toBeGreaterThan(0.55);
    expect(share).toBeLessThan(0.85);
    for (const { prompt } of ENTRIES)
      expect(again.answer(prompt, 0.7)).toEqual(base.answer(prompt, 0.7));
  });

  it('a different seed or version draws different prompts wrong', () => {
    const wrong = (base: KnowledgeBase) =>
      ENTRIES.filter((e) => !base.answer(e.prompt, 0.5)?.correct).map((e) => e.prompt);
    const v2 = wrong(new KnowledgeBase(ENTRIES, 7, 'v2'));
    expect(wrong(new KnowledgeBase(ENTRIES, 7, 'v3'))).not.toEqual(v2);
    expect(wrong(new KnowledgeBase(ENTRIES, 8, 'v2'))).not.toEqual(v2);
  });

  it('a wrong answer is a plausible, different text', () => {
    const base = new KnowledgeBase(ENTRIES, 7, 'v2');
    const answer = base.answer(ENTRIES[0]!.prompt, 0);
    expect(answer?.correct).toBe(false);
    expect(answer?.text).not.toBe(ENTRIES[0]!.answer);
    expect(ENTRIES.map((e) => e.answer)).toContain(answer?.text);
    const single = new KnowledgeBase([{ prompt: 'q', answer: 'the only answer' }], 1, 'v1');
    const filler = single.answer('q', 0);
    expect(filler?.text).not.toBe('the only answer');
    expect(filler?.text.length).toBeGreaterThan(0);
  });

  it('generates deterministic filler of exactly the requested token count', () => {
    const pieces = generatePieces('1|hello', 64);
    expect(pieces).toHaveLength(64);
    expect(generatePieces('1|hello', 64)).toEqual(pieces);
    expect(generatePieces('2|hello', 64)).not.toEqual(pieces);
    expect(pieces.join('')).toMatch(/^[A-Z][a-z]/);
  });
});
