import { DEFAULT_LSH_BANDS, DEFAULT_LSH_BITS, LSH_SEED } from '../semantic-cache.constants';
import { normaliseVector } from '../embedding/vector.util';
import { HyperplaneLsh } from './lsh.util';

/** A unit vector at cosine `similarity` to `base` (mixed with a random orthogonal direction). */
function near(base: Float32Array, similarity: number, random: () => number): Float32Array {
  const noise = Float32Array.from(base, () => random() - 0.5);
  let dot = 0;
  for (let i = 0; i < base.length; i++) dot += noise[i]! * base[i]!;
  for (let i = 0; i < base.length; i++) noise[i] = noise[i]! - dot * base[i]!;
  normaliseVector(noise);
  const sine = Math.sqrt(1 - similarity * similarity);
  return Float32Array.from(base, (v, i) => similarity * v + sine * noise[i]!);
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function randomUnit(dims: number, random: () => number): Float32Array {
  const v = Float32Array.from({ length: dims }, () => random() - 0.5);
  normaliseVector(v);
  return v;
}

const shareBand = (a: number[], b: number[]) => a.some((bucket, band) => bucket === b[band]);

describe('HyperplaneLsh (default shape)', () => {
  const lsh = new HyperplaneLsh(DEFAULT_LSH_BANDS, DEFAULT_LSH_BITS, LSH_SEED);
  const random = seeded(7);

  it('puts vectors at cosine 0.95 in a common bucket almost always', () => {
    let found = 0;
    for (let i = 0; i < 200; i++) {
      const base = randomUnit(256, random);
      if (shareBand(lsh.buckets(base), lsh.buckets(near(base, 0.95, random)))) found++;
    }
    expect(found / 200).toBeGreaterThanOrEqual(0.95);
  });

  it('rarely puts unrelated vectors in a common bucket', () => {
    let collided = 0;
    for (let i = 0; i < 200; i++) {
      const a = lsh.buckets(randomUnit(256, random));
      if (shareBand(a, lsh.buckets(randomUnit(256, random)))) collided++;
    }
    expect(collided / 200).toBeLessThan(0.05);
  });

  it('hashes the same vector to the same buckets in another instance (another process)', () => {
    const v = randomUnit(64, random);
    expect(new HyperplaneLsh(DEFAULT_LSH_BANDS, DEFAULT_LSH_BITS, LSH_SEED).buckets(v)).toEqual(
      lsh.buckets(v),
    );
  });

  it('refuses a shape it cannot hold in a bucket number', () => {
    expect(() => new HyperplaneLsh(16, 40, LSH_SEED)).toThrow(/1-30 bits/);
  });
});
