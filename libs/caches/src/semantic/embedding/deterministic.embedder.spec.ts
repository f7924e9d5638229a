import { DEFAULT_SIMILARITY_THRESHOLD } from '../semantic-cache.constants';
import { DeterministicEmbedder } from './deterministic.embedder';
import { cosine } from './vector.util';

const embedder = new DeterministicEmbedder();
const similarity = async (a: string, b: string) =>
  cosine(await embedder.embed(a), await embedder.embed(b));

describe('DeterministicEmbedder', () => {
  it.each([
    ['What is the capital of France?', 'what is the capital of france'],
    ['What is the capital of France?', 'The capital of France is what?'],
    ['How do I reset my password on the website?', 'How can I reset my password on the website?'],
    ['Explain blue-green deployments.', 'Please explain blue-green deployments'],
  ])('scores paraphrases with the same words above the threshold: %s ~ %s', async (a, b) => {
    expect(await similarity(a, b)).toBeGreaterThanOrEqual(DEFAULT_SIMILARITY_THRESHOLD);
  });

  it.each([
    ['What is the capital of France?', 'What is the capital of Germany?'],
    ['What is the capital of France?', 'How do I bake sourdough bread?'],
    ['Explain blue-green deployments', 'Explain canary deployments'],
  ])('scores different questions below the threshold: %s / %s', async (a, b) => {
    expect(await similarity(a, b)).toBeLessThan(DEFAULT_SIMILARITY_THRESHOLD);
  });

  it('returns unit vectors of the configured length, the same in every instance', async () => {
    const text = 'Summarise the release notes of v2';
    const a = await new DeterministicEmbedder(384).embed(text);
    const b = await new DeterministicEmbedder(384).embed(text);

    expect(a).toHaveLength(384);
    expect(cosine(a, a)).toBeCloseTo(1, 5);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('gives empty text a unit vector too', async () => {
    const vector = await embedder.embed('  ?! ');
    expect(cosine(vector, vector)).toBeCloseTo(1, 5);
  });
});
