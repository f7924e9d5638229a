import { createRandom, hashString } from '../common/hash.util';
import { splitPieces } from '../tokenizer/tokenizer.util';

const WORDS = (
  'the model serves requests with a steady stream of tokens while the cache keeps ' +
  'recent prefixes warm and every replica reports its latency to the gateway which ' +
  'splits traffic between pools so that new releases prove themselves before they take ' +
  'over all users answers arrive quickly when load is light but queues grow under ' +
  'pressure simple clear useful text follows here in short sentences'
).split(' ');

/**
 * Deterministic filler text of exactly `count` token pieces for `key` (seed + prompt): the same
 * key gives the same text, so repeated runs and replicas of a release agree.
 */
export function generatePieces(key: string, count: number): string[] {
  const random = createRandom(hashString(key) % 2 ** 32);
  const pieces: string[] = [];
  let sentenceLeft = 0;
  while (pieces.length < count) {
    let text = '';
    for (let i = 0; i < 16; i++) {
      const word = WORDS[Math.floor(random() * WORDS.length)] ?? 'text';
      if (sentenceLeft === 0) {
        sentenceLeft = 6 + Math.floor(random() * 10);
        text += `${text || pieces.length > 0 ? ' ' : ''}${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`;
      } else {
        text += ` ${word}`;
      }
      sentenceLeft -= 1;
      if (sentenceLeft === 0) text += '.';
    }
    pieces.push(...splitPieces(text));
  }
  return pieces.slice(0, count);
}
