import { DEFAULT_EMBEDDING_DIMENSIONS } from '../semantic-cache.constants';
import type { Embedder } from './embedder.types';
import { fnv1a, normaliseText, normaliseVector } from './vector.util';

const UNIGRAM_WEIGHT = 1;
/** Word order matters less than the words: a reordered paraphrase keeps most of its score. */
const BIGRAM_WEIGHT = 0.7;
/** Character trigrams keep a typo or an inflection ("deploy"/"deploys") close to the original. */
const TRIGRAM_WEIGHT = 0.25;
/** Function words say little about what is asked: "how do I" and "how can I" ask the same. */
const STOP_WORD_WEIGHT = 0.2;
const STOP_WORDS = new Set(
  (
    'a an and are as at be by can could do does for from how i if in is it me my of on or ' +
    'please should the this to was what whats which who why will with would you your'
  ).split(' '),
);

/**
 * The default embedder: no model, no network, the same vector in every process. Feature hashing
 * of word unigrams, bigrams and character trigrams into `dimensions` signed buckets, L2-normalised.
 * Paraphrases that share their words score high; different questions score low.
 */
export class DeterministicEmbedder implements Embedder {
  readonly id: string;

  constructor(private readonly dimensions = DEFAULT_EMBEDDING_DIMENSIONS) {
    this.id = `deterministic-v1-${dimensions}`;
  }

  embed(text: string): Promise<Float32Array> {
    return Promise.resolve(this.embedSync(text));
  }

  embedSync(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    const words = normaliseText(text).split(' ').filter(Boolean);
    words.forEach((word, i) => {
      const weight = STOP_WORDS.has(word) ? STOP_WORD_WEIGHT : 1;
      this.add(vector, `w:${word}`, UNIGRAM_WEIGHT * weight);
      const previous = words[i - 1];
      if (previous !== undefined) {
        const pair = Math.max(weight, STOP_WORDS.has(previous) ? STOP_WORD_WEIGHT : 1);
        this.add(vector, `b:${previous}_${word}`, BIGRAM_WEIGHT * pair);
      }
      const padded = `^${word}$`;
      for (let c = 0; c + 3 <= padded.length; c++) {
        this.add(vector, `t:${padded.slice(c, c + 3)}`, TRIGRAM_WEIGHT * weight);
      }
    });
    // Empty text: one fixed feature, so the vector still has unit length.
    if (!normaliseVector(vector)) {
      this.add(vector, 'empty', 1);
      normaliseVector(vector);
    }
    return vector;
  }

  /** The feature's hash picks the bucket; one more bit picks the sign, so collisions cancel out. */
  private add(vector: Float32Array, feature: string, weight: number): void {
    const hash = fnv1a(feature);
    const index = hash % this.dimensions;
    const sign = (fnv1a(`s:${feature}`) & 1) === 0 ? 1 : -1;
    vector[index] = vector[index]! + sign * weight;
  }
}
