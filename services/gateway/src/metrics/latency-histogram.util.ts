import type { HistogramSnapshot } from '@greenlight/contracts';

/**
 * A Prometheus-style histogram kept as plain numbers: observe() is a short scan and two adds,
 * cheap enough for every token of every stream. Counts are per bucket here (the last one is
 * +Inf) and made cumulative only when read.
 */
export class LatencyHistogram {
  readonly counts: Float64Array;
  count = 0;
  sum = 0;

  constructor(readonly le: readonly number[]) {
    this.counts = new Float64Array(le.length + 1);
  }

  observe(seconds: number): void {
    const le = this.le;
    let bucket = 0;
    while (bucket < le.length && seconds > le[bucket]!) bucket++;
    this.counts[bucket]! += 1;
    this.count += 1;
    this.sum += seconds;
  }
}

/** The sum of several histograms with the same bounds, cumulative as the contract wants it. */
export function mergeSnapshot(
  le: readonly number[],
  histograms: readonly LatencyHistogram[],
): HistogramSnapshot {
  const perBucket = new Float64Array(le.length + 1);
  let count = 0;
  let sum = 0;
  for (const histogram of histograms) {
    for (let i = 0; i < perBucket.length; i++) perBucket[i]! += histogram.counts[i]!;
    count += histogram.count;
    sum += histogram.sum;
  }
  const counts: number[] = [];
  let running = 0;
  for (let i = 0; i < le.length; i++) {
    running += perBucket[i]!;
    counts.push(running);
  }
  return { le: [...le], counts, count, sum };
}
