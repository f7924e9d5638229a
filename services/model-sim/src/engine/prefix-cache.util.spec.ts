import { BLOCK_SIZE, PrefixCache } from './prefix-cache.util';

const tokens = (count: number, offset = 0): number[] =>
  Array.from({ length: count }, (_, i) => i + offset);

describe('PrefixCache', () => {
  it('is empty at start: nothing is cached', () => {
    const cache = new PrefixCache(64);
    const prompt = tokens(100);
    expect(cache.size).toBe(0);
    expect(cache.lookup(cache.hashBlocks(prompt), prompt.length)).toBe(0);
  });

  it('caches full 16-token blocks only', () => {
    const cache = new PrefixCache(64);
    expect(BLOCK_SIZE).toBe(16);
    expect(cache.hashBlocks(tokens(15))).toHaveLength(0);
    expect(cache.hashBlocks(tokens(47))).toHaveLength(2);
    cache.insert(cache.hashBlocks(tokens(47)));
    expect(cache.size).toBe(2);
  });

  it('serves the longest cached block prefix of a repeated prompt', () => {
    const cache = new PrefixCache(64);
    const prompt = tokens(50);
    cache.insert(cache.hashBlocks(prompt));
    expect(cache.lookup(cache.hashBlocks(prompt), prompt.length)).toBe(48);
    // Same first 40 tokens, different after: only the two identical blocks hit.
    const sibling = [...tokens(40), ...tokens(30, 1000)];
    expect(cache.lookup(cache.hashBlocks(sibling), sibling.length)).toBe(32);
  });

  it('chains block hashes: an equal block after a different prefix is a miss', () => {
    const cache = new PrefixCache(64);
    const a = [...tokens(16, 500), ...tokens(16)];
    const b = [...tokens(16, 900), ...tokens(16)];
    expect(cache.hashBlocks(a)[1]).not.toBe(cache.hashBlocks(b)[1]);
    cache.insert(cache.hashBlocks(a));
    expect(cache.lookup(cache.hashBlocks(b), 64)).toBe(0);
  });

  it('always leaves the last prompt token to compute, as vLLM does', () => {
    const cache = new PrefixCache(64);
    const prompt = tokens(32);
    cache.insert(cache.hashBlocks(prompt));
    expect(cache.lookup(cache.hashBlocks(prompt), prompt.length)).toBe(16);
  });

  it('evicts the least recently used blocks beyond capacity', () => {
    const cache = new PrefixCache(4);
    const first = tokens(32, 0);
    const second = tokens(32, 100);
    const third = tokens(32, 200);
    cache.insert(cache.hashBlocks(first));
    cache.insert(cache.hashBlocks(second));
    // Touch `first`, so `second` is now the least recently used.
    expect(cache.lookup(cache.hashBlocks(first), 33)).toBe(32);
    cache.insert(cache.hashBlocks(third));
    expect(cache.size).toBe(4);
    expect(cache.lookup(cache.hashBlocks(first), 33)).toBe(32);
    expect(cache.lookup(cache.hashBlocks(second), 33)).toBe(0);
    expect(cache.lookup(cache.hashBlocks(third), 33)).toBe(32);
  });
});
