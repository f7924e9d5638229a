/**
 * Fast, stable 53-bit hashes (cyrb53). Token ids, prefix-cache block keys and fault decisions
 * all derive from them, so a given input maps to the same value in every run and process.
 */
export function hashString(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  return finish(h1, h2);
}

/** Same as hashString over a sequence of integers (block of token ids), chained on `seed`. */
export function hashInts(values: readonly number[], seed = 0): number {
  let h1 = 0xdeadbeef ^ (seed & 0xffffffff);
  let h2 = 0x41c6ce57 ^ Math.floor(seed / 0x100000000);
  for (const value of values) {
    h1 = Math.imul(h1 ^ value, 2654435761);
    h2 = Math.imul(h2 ^ value, 1597334677);
  }
  return finish(h1, h2);
}

function finish(a: number, b: number): number {
  let h1 = a;
  let h2 = b;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A number in [0, 1) decided by the parts alone: the same parts always give the same draw. */
export function seededUnit(...parts: readonly (string | number)[]): number {
  return hashString(parts.join('\u0000')) / 2 ** 53;
}

/** A small seeded PRNG (mulberry32) for sequences of draws. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
