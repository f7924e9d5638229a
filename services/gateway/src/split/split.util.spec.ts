import {
  hash53,
  poolForPoint,
  PREFIX_KEY_CHARS,
  promptPrefix,
  requestPoint,
  splitPoint,
} from './split.util';

/** mulberry32: the property runs draw the same keys and weights every time. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomKey(random: () => number): string {
  const kinds = [
    () => `session-${Math.floor(random() * 1e9)}`,
    () => `${Math.floor(random() * 0xffffffff).toString(16)}-${Math.floor(random() * 0xffff)}`,
    () => `user${Math.floor(random() * 1e4)}@example.com`,
    () =>
      String.fromCharCode(
        ...Array.from(
          { length: 1 + Math.floor(random() * 40) },
          () => 32 + Math.floor(random() * 0x3000),
        ),
      ),
  ];
  return kinds[Math.floor(random() * kinds.length)]!();
}

/** A ramp as the shifter walks it: weights that only go up, from 0 to 100. */
function increasingWeights(random: () => number): number[] {
  const weights = [0];
  while (weights[weights.length - 1]! < 100) {
    const last = weights[weights.length - 1]!;
    weights.push(Math.min(100, last + 1 + Math.floor(random() * 30)));
  }
  return weights;
}

describe('the monotone split', () => {
  it('never moves a key back to blue while green weight rises (random keys, random ramps)', () => {
    const random = seededRandom(20_260_401);
    const backToBlue: string[] = [];
    let crossings = 0;
    for (let run = 0; run < 200; run++) {
      const weights = increasingWeights(random);
      for (let k = 0; k < 200; k++) {
        const key = randomKey(random);
        const point = splitPoint(key);
        let onGreen = false;
        for (const weight of weights) {
          const pool = poolForPoint(point, weight);
          if (onGreen && pool === 'blue') backToBlue.push(`${key} at ${weight}`);
          if (pool === 'green' && !onGreen) crossings++;
          onGreen = pool === 'green';
        }
      }
    }
    expect(backToBlue).toEqual([]);
    // Every ramp ends at 100 %: each key crossed exactly once, blue to green.
    expect(crossings).toBe(200 * 200);
  });

  it('puts the weight’s share of 10,000 keys on green, within 1 point, at every weight', () => {
    // Seeded: with 10,000 truly random keys one binomial sigma is 0.5 point at 50 %, so an
    // unseeded run would miss the 1-point bound somewhere in 0..100 about one time in four.
    const random = seededRandom(7);
    const points = Array.from({ length: 10_000 }, () => splitPoint(randomKey(random)));

    for (let weight = 0; weight <= 100; weight++) {
      const green = points.filter((p) => poolForPoint(p, weight) === 'green').length;
      const percent = (green / points.length) * 100;
      expect({ weight, within: Math.abs(percent - weight) <= 1 }).toEqual({ weight, within: true });
    }
  });

  it('sends nothing to a pool of weight 0 and everything to a pool of weight 100', () => {
    for (const point of [0, 1e-12, 0.5, 0.999_999]) {
      expect(poolForPoint(point, 0)).toBe('blue');
      expect(poolForPoint(point, 100)).toBe('green');
    }
  });

  it('maps session ids that differ in one last character far apart', () => {
    const points = Array.from({ length: 10 }, (_, i) => splitPoint(`session-${i}`));
    const spread = Math.max(...points) - Math.min(...points);
    expect(spread).toBeGreaterThan(0.3);
    expect(hash53('a')).toBe(hash53('a'));
    expect(Number.isSafeInteger(hash53('anything'))).toBe(true);
  });
});

describe('affinity keys', () => {
  const chat = {
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'What is blue-green?' },
      { role: 'assistant', content: 'Two pools.' },
      { role: 'user', content: 'And canary?' },
    ],
  };

  it('keys prefix affinity on the system prompt and the first user message only', () => {
    expect(promptPrefix(chat)).toBe('You are terse.\nWhat is blue-green?');
    const laterTurn = { messages: [...chat.messages, { role: 'user', content: 'more' }] };
    expect(requestPoint('prefix', undefined, laterTurn)).toBe(
      requestPoint('prefix', undefined, chat),
    );
  });

  it('reads content parts and completion prompts, cut at the prefix length', () => {
    const parts = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi ' },
            { type: 'text', text: 'there' },
          ],
        },
      ],
    };
    expect(promptPrefix(parts)).toBe('hi there');
    expect(promptPrefix({ prompt: 'x'.repeat(1000) })).toHaveLength(PREFIX_KEY_CHARS);
    expect(promptPrefix({ prompt: ['first', 'second'] })).toBe('first');
  });

  it('keys session affinity on the session id, and draws at random without one', () => {
    const random = jest.fn(() => 0.25);
    expect(requestPoint('session', 'abc', chat, random)).toBe(splitPoint('abc'));
    expect(random).not.toHaveBeenCalled();
    expect(requestPoint('session', undefined, chat, random)).toBe(0.25);
    expect(requestPoint('none', 'abc', chat, random)).toBe(0.25);
    expect(requestPoint('prefix', undefined, { prompt: 42 }, random)).toBe(0.25);
  });
});
