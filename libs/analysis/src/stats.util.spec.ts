import {
  binomialGreaterPValue,
  fisherGreaterPValue,
  histogramQuantile,
  nearestBound,
} from './stats.util';

/** Fisher's one-sided p-value by brute force over every table with the same margins. */
function fisherBrute(a: number, n1: number, b: number, n2: number): number {
  const choose = (n: number, k: number): number => {
    let r = 1;
    for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
    return r;
  };
  const hits = a + b;
  let tail = 0;
  let all = 0;
  for (let k = Math.max(0, hits - n2); k <= Math.min(hits, n1); k++) {
    const p = choose(n1, k) * choose(n2, hits - k);
    all += p;
    if (k >= a) tail += p;
  }
  return tail / all;
}

describe('fisherGreaterPValue', () => {
  it.each([
    [3, 10, 1, 10],
    [5, 40, 2, 60],
    [0, 10, 4, 10],
    [12, 30, 3, 30],
  ])('matches the exact sum for %i/%i vs %i/%i', (a, n1, b, n2) => {
    expect(fisherGreaterPValue(a, n1, b, n2)).toBeCloseTo(fisherBrute(a, n1, b, n2), 10);
  });

  it('becomes the binomial test against blue when blue has far more samples', () => {
    expect(fisherGreaterPValue(15, 600, 5_940, 594_000)).toBeCloseTo(
      binomialGreaterPValue(15, 600, 0.01),
      3,
    );
  });
});

describe('histogramQuantile', () => {
  it('interpolates within the bucket, as Prometheus does', () => {
    const histogram = { le: [0.1, 0.2, 0.5], counts: [10, 50, 100], count: 100 };
    expect(histogramQuantile(histogram, 0.95)).toBeCloseTo(0.47, 10);
  });

  it('answers the highest bound when the quantile is in the +Inf bucket', () => {
    expect(histogramQuantile({ le: [0.1, 0.2], counts: [10, 20], count: 100 }, 0.95)).toBe(0.2);
  });
});

describe('nearestBound', () => {
  it('picks the bound closest on a log scale', () => {
    expect(nearestBound([0.25, 0.3, 0.4, 0.5, 0.75], 0.455)).toBe(3);
  });
});
