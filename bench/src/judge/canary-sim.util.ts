import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import type { GatewayMetrics, HistogramSnapshot, PoolMetrics } from '@greenlight/contracts';

/** Gateway bucket bounds (services/gateway metrics.constants), seconds. */
export const TTFT_BUCKETS = [
  0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 2.5, 5,
  7.5, 10, 20, 40, 80,
];
export const ITL_BUCKETS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2,
  0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10,
];
export const E2E_PER_TOKEN_BUCKETS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2,
  0.3, 0.5, 1, 2.5, 5, 10,
];

/** A pool's behaviour: error rate and lognormal latencies (median in seconds, log-sd). */
export interface PoolProfile {
  errorRate: number;
  ttft: { median: number; sigma: number };
  itl: { median: number; sigma: number };
  e2ePerToken: { median: number; sigma: number };
  /** Output tokens per request: ITL observations per answer. */
  tokens: number;
}

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same trials. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Poisson draw: exact (Knuth) for small means, normal approximation above 30. */
export function poisson(mean: number, random: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(random)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

/** Per-bucket probabilities of a lognormal over the bounds, +Inf bucket last. */
function bucketProbabilities(le: readonly number[], median: number, sigma: number): number[] {
  const mu = Math.log(median);
  const cdf = le.map((b) => normalCdf(Math.log(b), mu, sigma));
  return [...cdf.map((c, i) => c - (i === 0 ? 0 : cdf[i - 1]!)), 1 - cdf[cdf.length - 1]!];
}

/**
 * Cumulative per-pool counters of one gateway, advanced by Poisson traffic: with Poisson
 * arrivals each bucket's count is an independent Poisson draw (thinning), so a 30 s slice of
 * 3,000 blue requests costs a few dozen draws instead of 3,000 samples.
 */
export class SimulatedPool {
  private readonly probabilities: Record<'ttft' | 'itl' | 'e2ePerToken', number[]>;
  private requests = 0;
  private errors = 0;
  private readonly hist: Record<'ttft' | 'itl' | 'e2ePerToken', number[]>;

  constructor(
    readonly release: string,
    private readonly profile: PoolProfile,
  ) {
    this.probabilities = {
      ttft: bucketProbabilities(TTFT_BUCKETS, profile.ttft.median, profile.ttft.sigma),
      itl: bucketProbabilities(ITL_BUCKETS, profile.itl.median, profile.itl.sigma),
      e2ePerToken: bucketProbabilities(
        E2E_PER_TOKEN_BUCKETS,
        profile.e2ePerToken.median,
        profile.e2ePerToken.sigma,
      ),
    };
    this.hist = {
      ttft: new Array<number>(TTFT_BUCKETS.length + 1).fill(0),
      itl: new Array<number>(ITL_BUCKETS.length + 1).fill(0),
      e2ePerToken: new Array<number>(E2E_PER_TOKEN_BUCKETS.length + 1).fill(0),
    };
  }

  /** `rate` requests per second for `seconds`. */
  advance(rate: number, seconds: number, random: () => number): void {
    const expected = rate * seconds;
    const errors = poisson(expected * this.profile.errorRate, random);
    let answered = 0;
    const ttft = this.probabilities.ttft;
    for (let i = 0; i < ttft.length; i++) {
      const n = poisson(expected * (1 - this.profile.errorRate) * ttft[i]!, random);
      this.hist.ttft[i]! += n;
      answered += n;
    }
    for (const key of ['itl', 'e2ePerToken'] as const) {
      const perAnswer = key === 'itl' ? this.profile.tokens : 1;
      const probabilities = this.probabilities[key];
      for (let i = 0; i < probabilities.length; i++) {
        this.hist[key][i]! += poisson(answered * perAnswer * probabilities[i]!, random);
      }
    }
    this.requests += answered + errors;
    this.errors += errors;
  }

  snapshot(): PoolMetrics {
    return {
      release: this.release,
      inFlight: 0,
      inFlightStreams: 0,
      requests: this.requests,
      errors: this.errors,
      abortedStreams: 0,
      clientAbortedStreams: 0,
      ttft: cumulative(TTFT_BUCKETS, this.hist.ttft),
      itl: cumulative(ITL_BUCKETS, this.hist.itl),
      e2ePerToken: cumulative(E2E_PER_TOKEN_BUCKETS, this.hist.e2ePerToken),
      replicas: {},
    };
  }
}

function cumulative(le: readonly number[], perBucket: readonly number[]): HistogramSnapshot {
  const counts: number[] = [];
  let running = 0;
  for (let i = 0; i < le.length; i++) {
    running += perBucket[i]!;
    counts.push(running);
  }
  return { le: [...le], counts, count: running + perBucket[le.length]!, sum: 0 };
}

/** What one gateway instance would publish. */
export function gatewaySnapshot(
  service: string,
  at: number,
  blue: SimulatedPool,
  green: SimulatedPool,
): GatewayMetrics {
  return {
    instance: 'bench-gw',
    service,
    at: new Date(at).toISOString(),
    version: 1,
    pools: { blue: blue.snapshot(), green: green.snapshot() },
  };
}
