import type { GatewayMetrics, HistogramSnapshot, PoolMetrics } from '@greenlight/contracts';
import type { PoolWindow } from './judge.util';
import type { Histogram } from './stats.util';

interface Counters {
  requests: number;
  failures: number;
  ttft: Histogram;
  itl: Histogram;
  e2ePerToken: Histogram;
}

const HISTOGRAMS = ['ttft', 'itl', 'e2ePerToken'] as const;

const EMPTY_HISTOGRAM: Histogram = { le: [], counts: [], count: 0 };

/**
 * What each release's pool served since the window opened, from the gateways' cumulative
 * snapshots: successive snapshots of one instance are differenced, instances summed. Keyed by
 * release, not by pool colour: blue and green swap meaning from one deployment to the next.
 * Pure (no clock, no I/O), so the judge's benchmark feeds it synthetic snapshots.
 */
export class MetricsWindow {
  /** instance -> release -> its last cumulative snapshot. */
  private readonly last = new Map<string, Map<string, PoolMetrics>>();
  private readonly totals = new Map<string, Counters>();

  ingest(snapshot: GatewayMetrics): void {
    let seen = this.last.get(snapshot.instance);
    const first = !seen;
    if (!seen) {
      seen = new Map();
      this.last.set(snapshot.instance, seen);
    }
    for (const pool of [snapshot.pools.blue, snapshot.pools.green]) {
      if (!pool) continue;
      const previous = seen.get(pool.release);
      seen.set(pool.release, pool);
      // The first snapshot of an instance is only a base: what it counted before is not ours.
      if (first || !previous) {
        if (!first) this.add(pool.release, delta(pool, undefined));
        continue;
      }
      this.add(pool.release, delta(pool, restarted(pool, previous) ? undefined : previous));
    }
  }

  /** The release's window; all zeros when no gateway reported it. */
  pool(release: string): PoolWindow {
    const counters = this.totals.get(release);
    return counters
      ? { ...counters }
      : {
          requests: 0,
          failures: 0,
          ttft: EMPTY_HISTOGRAM,
          itl: EMPTY_HISTOGRAM,
          e2ePerToken: EMPTY_HISTOGRAM,
        };
  }

  private add(release: string, change: Counters): void {
    const total = this.totals.get(release);
    if (!total) {
      this.totals.set(release, change);
      return;
    }
    total.requests += change.requests;
    total.failures += change.failures;
    for (const key of HISTOGRAMS) total[key] = addHistograms(total[key], change[key]);
  }
}

/** Counters went down: the gateway restarted, so all it counted since came after our last look. */
function restarted(current: PoolMetrics, previous: PoolMetrics): boolean {
  return (
    current.requests < previous.requests ||
    current.errors < previous.errors ||
    current.abortedStreams < previous.abortedStreams ||
    HISTOGRAMS.some((key) => current[key].count < previous[key].count)
  );
}

function failures(pool: PoolMetrics): number {
  return pool.errors + pool.abortedStreams;
}

function delta(current: PoolMetrics, base: PoolMetrics | undefined): Counters {
  return {
    requests: current.requests - (base?.requests ?? 0),
    failures: failures(current) - (base ? failures(base) : 0),
    ttft: subtractHistogram(current.ttft, base?.ttft),
    itl: subtractHistogram(current.itl, base?.itl),
    e2ePerToken: subtractHistogram(current.e2ePerToken, base?.e2ePerToken),
  };
}

function subtractHistogram(current: HistogramSnapshot, base: HistogramSnapshot | undefined) {
  if (!base || !sameBounds(current.le, base.le)) {
    return { le: current.le, counts: [...current.counts], count: current.count };
  }
  return {
    le: current.le,
    counts: current.counts.map((c, i) => Math.max(0, c - (base.counts[i] ?? 0))),
    count: Math.max(0, current.count - base.count),
  };
}

/** Histograms with other bounds cannot be summed bucket by bucket: the first layout seen wins. */
function addHistograms(total: Histogram, change: Histogram): Histogram {
  if (total.count === 0 && total.le.length === 0) return change;
  if (!sameBounds(total.le, change.le)) return total;
  return {
    le: total.le,
    counts: total.counts.map((c, i) => c + (change.counts[i] ?? 0)),
    count: total.count + change.count,
  };
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((bound, i) => bound === b[i]);
}
