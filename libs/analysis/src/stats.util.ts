import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';

/** Terms this far below the mode's (natural log) are < 1e-21 of it: the rest of the tail is noise. */
const NEGLIGIBLE_LOG_TERM = -50;

/**
 * One-sided Fisher exact test: the probability, if both pools shared one rate, that green would
 * show `greenHits` or more of the `greenHits + blueHits` hits among its `greenN` samples.
 * Exact for a 1 req/s canary (a handful of green errors) and still right when blue is small; the
 * binomial test against blue's rate is its limit when blue has far more samples than green.
 * Walks out from the mode only as far as the terms matter, so it costs O(sd), not O(n).
 */
export function fisherGreaterPValue(
  greenHits: number,
  greenN: number,
  blueHits: number,
  blueN: number,
): number {
  const hits = greenHits + blueHits;
  const lo = Math.max(0, hits - blueN);
  const hi = Math.min(hits, greenN);
  if (greenHits <= lo) return 1;
  if (greenHits > hi) return 0;
  const total = greenN + blueN;
  // log P(k+1)/P(k) of the hypergeometric distribution of green's hits.
  const step = (k: number): number =>
    Math.log(((hits - k) * (greenN - k)) / ((k + 1) * (blueN - hits + k + 1)));
  const mode = Math.min(hi, Math.max(lo, Math.floor(((greenN + 1) * (hits + 1)) / (total + 2))));

  let sum = 1;
  let tail = mode >= greenHits ? 1 : 0;
  let log = 0;
  for (let k = mode; k < hi; k++) {
    log += step(k);
    if (log < NEGLIGIBLE_LOG_TERM) break;
    const term = Math.exp(log);
    sum += term;
    if (k + 1 >= greenHits) tail += term;
  }
  log = 0;
  for (let k = mode; k > lo; k--) {
    log -= step(k - 1);
    if (log < NEGLIGIBLE_LOG_TERM) break;
    const term = Math.exp(log);
    sum += term;
    if (k - 1 >= greenHits) tail += term;
  }
  return Math.min(1, tail / sum);
}

/** P(X ≥ hits) for X ~ Binomial(n, rate): is green above a fixed rate (no blue to compare with)? */
export function binomialGreaterPValue(hits: number, n: number, rate: number): number {
  if (hits <= 0) return 1;
  if (hits > n) return 0;
  return Math.max(0, 1 - binomialCdf(hits - 1, n, rate));
}

/** A Prometheus-style histogram: `counts[i]` observations ≤ `le[i]` (cumulative), `count` in all. */
export interface Histogram {
  le: readonly number[];
  counts: readonly number[];
  count: number;
}

/**
 * The q-quantile, interpolated linearly within its bucket as Prometheus' histogram_quantile
 * does; in the +Inf bucket it is the highest finite bound. NaN without observations.
 */
export function histogramQuantile(histogram: Histogram, q: number): number {
  const { le, counts, count } = histogram;
  if (count <= 0 || le.length === 0) return Number.NaN;
  const rank = q * count;
  for (let i = 0; i < le.length; i++) {
    const below = i === 0 ? 0 : counts[i - 1]!;
    const upTo = counts[i]!;
    if (upTo >= rank && upTo > below) {
      const lower = i === 0 ? 0 : le[i - 1]!;
      return lower + (le[i]! - lower) * ((rank - below) / (upTo - below));
    }
  }
  return le[le.length - 1]!;
}

/** Observations above bound `le[index]`. */
export function countAbove(histogram: Histogram, index: number): number {
  return Math.max(0, histogram.count - (histogram.counts[index] ?? histogram.count));
}

/** Index of the finite bound closest to `value` on a log scale (latency buckets grow geometrically). */
export function nearestBound(le: readonly number[], value: number): number {
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let i = 0; i < le.length; i++) {
    const distance = Math.abs(Math.log(le[i]! / value));
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

/** Index of the smallest bound ≥ `value`; the last bound when every bound is below it. */
export function boundAtOrAbove(le: readonly number[], value: number): number {
  const index = le.findIndex((bound) => bound >= value);
  return index === -1 ? le.length - 1 : index;
}
