import { SEMANTIC_CACHE_ERRORS } from '../semantic-cache.constants';

/** mulberry32: a tiny seeded PRNG, so every process draws the same hyperplanes. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random-hyperplane LSH for cosine similarity: each of `bands` bands hashes a vector to a
 * `bits`-bit bucket, one bit per hyperplane (which side the vector lies on). Similar vectors
 * share a bucket in some band with high probability; dissimilar ones rarely do.
 */
export class HyperplaneLsh {
  /** Hyperplanes per vector length, drawn on first use (the embedder decides the length). */
  private readonly planes = new Map<number, Float32Array>();

  constructor(
    readonly bands: number,
    readonly bits: number,
    private readonly seed: number,
  ) {
    if (!(Number.isInteger(bands) && bands >= 1 && bands <= 64 && bits >= 1 && bits <= 30)) {
      throw new Error(SEMANTIC_CACHE_ERRORS.badLsh(bands, bits));
    }
  }

  /** One bucket number per band. */
  buckets(vector: Float32Array): number[] {
    const dims = vector.length;
    const planes = this.planesFor(dims);
    const result: number[] = [];
    for (let band = 0; band < this.bands; band++) {
      let bucket = 0;
      for (let bit = 0; bit < this.bits; bit++) {
        const offset = (band * this.bits + bit) * dims;
        let dot = 0;
        for (let i = 0; i < dims; i++) dot += planes[offset + i]! * vector[i]!;
        bucket = (bucket << 1) | (dot >= 0 ? 1 : 0);
      }
      result.push(bucket);
    }
    return result;
  }

  private planesFor(dims: number): Float32Array {
    let planes = this.planes.get(dims);
    if (!planes) {
      const random = prng(this.seed ^ dims);
      planes = new Float32Array(this.bands * this.bits * dims);
      // Gaussian components (Box-Muller) make the hyperplane directions uniform on the sphere.
      for (let i = 0; i < planes.length; i++) {
        const u = Math.max(random(), Number.MIN_VALUE);
        planes[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
      }
      this.planes.set(dims, planes);
    }
    return planes;
  }
}
