import type { AnalysisMetric, Verdict } from '@greenlight/contracts';
import {
  binomialGreaterPValue,
  boundAtOrAbove,
  countAbove,
  fisherGreaterPValue,
  histogramQuantile,
  nearestBound,
  type Histogram,
} from './stats.util';

/** What one pool did in the window (everything since the step began, summed over gateways). */
export interface PoolWindow {
  requests: number;
  /** 5xx, transport errors and streams the pool cut (client aborts are not the pool's fault). */
  failures: number;
  ttft: Histogram;
  /** One observation per token gap, so many per stream. */
  itl: Histogram;
  e2ePerToken: Histogram;
}

export interface JudgeSettings {
  /** Green requests needed before a pass (fewer: inconclusive). */
  minSamples: number;
  /** Probability that a healthy canary gets a `fail` at any look of the step. */
  falseFailRate: number;
  /** Looks the step may have (maxDuration / interval): the false-fail budget is shared among them. */
  plannedLooks: number;
  /** Green's error rate is materially worse only when above blue's by this much (absolute)… */
  errorMarginAbs: number;
  /** …and by this factor. */
  errorMarginRatio: number;
  /** A green p95 this fraction above blue's is materially worse. */
  latencyMargin: number;
  /** Materially worse with a p-value at or below this, but not a fail yet: inconclusive, not pass. */
  suggestivePValue: number;
  /** Hard failure: green's error rate at least this (and materially above blue's)… */
  hardErrorRate: number;
  /** …over at least this many green requests. */
  hardMinRequests: number;
  /** Without blue: the limits green must stay under. */
  absolute: { errorRate: number; ttftP95Ms: number; itlP95Ms: number; e2eP95Ms: number };
}

export interface JudgeInput {
  metrics: readonly AnalysisMetric[];
  green: PoolWindow;
  /** Null (first deployment) or without enough requests to compare against: absolute limits. */
  blue: PoolWindow | null;
  /** Green replicas that failed their health check at consecutive looks, with the last error. */
  downReplicas: readonly { url: string; error: string }[];
}

export interface ComparedValue {
  green: number;
  blue: number | null;
}

export interface Judgement {
  verdict: Verdict;
  /** errorRate as a fraction; p95s in milliseconds (e2eP95 per output token). */
  metrics: Record<string, ComparedValue>;
  reasons: string[];
}

type MetricStatus = 'ok' | 'fail' | 'suggestive' | 'untestable';

interface MetricOutcome {
  status: MetricStatus;
  value?: ComparedValue;
  reason?: string;
}

const LATENCY: Record<
  Exclude<AnalysisMetric, 'errorRate'>,
  { histogram: 'ttft' | 'itl' | 'e2ePerToken'; limit: keyof JudgeSettings['absolute'] }
> = {
  ttftP95: { histogram: 'ttft', limit: 'ttftP95Ms' },
  itlP95: { histogram: 'itl', limit: 'itlP95Ms' },
  e2eP95: { histogram: 'e2ePerToken', limit: 'e2eP95Ms' },
};

/** The tail a p95 cuts off. */
const TAIL = 0.05;

export const JUDGE_REASONS = {
  replicaDown: (url: string, error: string) =>
    `green replica ${url} is down: ${error} (health checks failed at consecutive looks)`,
  hardErrors: (green: string, blue: string, n: number) =>
    `errorRate: green ${green} over ${n} requests, blue ${blue}: far above blue, no test needed`,
  hardErrorsAbsolute: (green: string, n: number) =>
    `errorRate: green ${green} over ${n} requests: far above any acceptable rate`,
  worse: (metric: string, green: string, blue: string, p: number, alpha: number) =>
    `${metric}: green ${green} vs blue ${blue} (p=${formatP(p)} ≤ ${formatP(alpha)})`,
  aboveLimit: (metric: string, green: string, limit: string, p: number, alpha: number) =>
    `${metric}: green ${green} above the limit ${limit} (p=${formatP(p)} ≤ ${formatP(alpha)})`,
  suggestive: (metric: string, green: string, blue: string, p: number) =>
    `${metric}: green ${green} vs blue ${blue} looks worse (p=${formatP(p)}), not significant yet`,
  fewSamples: (n: number, min: number) => `green served ${n} of the ${min} requests needed`,
  fewBlueSamples: (n: number, min: number) =>
    `blue served ${n} of the ${min} requests needed to compare against`,
  noBucket: (metric: string) =>
    `${metric}: blue's p95 is beyond the histogram's last bucket, cannot compare`,
  fewObservations: (metric: string, n: number) =>
    `${metric}: only ${n} green observation(s), cannot judge yet`,
  withinBounds: (metrics: string) => `${metrics}: green is not worse than blue`,
  withinLimits: (metrics: string) => `${metrics}: green is within the absolute limits (no blue)`,
} as const;

/**
 * The false-fail budget of one look for one metric. Looks are on cumulative data, so they are
 * strongly correlated: "two consecutive failing looks" would barely lower the false-alarm rate
 * and would delay every true detection by a look. Splitting `falseFailRate` evenly over every
 * planned look and metric (Bonferroni) bounds the chance of any false fail in the step by
 * `falseFailRate` whatever the correlation, needs no information horizon beyond the planned
 * looks, and the step's sample grows fast enough that a stricter alpha costs little power.
 */
export function perLookAlpha(settings: JudgeSettings, metricCount: number): number {
  return settings.falseFailRate / (Math.max(1, settings.plannedLooks) * Math.max(1, metricCount));
}

/** Green against blue (or the absolute limits) on the step's window so far. Pure. */
export function judgeWindow(input: JudgeInput, settings: JudgeSettings): Judgement {
  const { green } = input;
  // A blue that served nobody yet is no baseline (its rates would be 0 / 0).
  const blue =
    input.blue && input.blue.requests >= Math.max(1, settings.minSamples) ? input.blue : null;
  const alpha = perLookAlpha(settings, input.metrics.length);
  const metrics: Record<string, ComparedValue> = {};
  const fails: string[] = [];
  const doubts: string[] = [];
  const passed: string[] = [];

  for (const { url, error } of input.downReplicas)
    fails.push(JUDGE_REASONS.replicaDown(url, error));

  for (const metric of input.metrics) {
    const outcome =
      metric === 'errorRate'
        ? judgeErrorRate(green, blue, settings, alpha)
        : judgeLatency(metric, green, blue, settings, alpha);
    // A metric without observations has no value; the event carries numbers only.
    if (outcome.value && isFinitePair(outcome.value)) metrics[metric] = outcome.value;
    if (outcome.status === 'fail') fails.push(outcome.reason!);
    else if (outcome.status === 'ok') passed.push(metric);
    else if (outcome.reason) doubts.push(outcome.reason);
  }

  if (fails.length > 0) return { verdict: 'fail', metrics, reasons: fails };
  const reasons = [...doubts];
  if (green.requests < settings.minSamples) {
    reasons.unshift(JUDGE_REASONS.fewSamples(green.requests, settings.minSamples));
  }
  // A blue that serves but has too few requests in this window is no baseline yet, and the
  // absolute limits are no stand-in for it: on a handful of requests they cannot tell a 40 %
  // error rate from 1 % at the per-look alpha. Green may fail them, but not pass on them.
  if (input.blue && input.blue.requests < settings.minSamples) {
    reasons.push(JUDGE_REASONS.fewBlueSamples(input.blue.requests, settings.minSamples));
  }
  if (reasons.length > 0) return { verdict: 'inconclusive', metrics, reasons };
  const list = passed.join(', ');
  return {
    verdict: 'pass',
    metrics,
    reasons: [blue ? JUDGE_REASONS.withinBounds(list) : JUDGE_REASONS.withinLimits(list)],
  };
}

function judgeErrorRate(
  green: PoolWindow,
  blue: PoolWindow | null,
  settings: JudgeSettings,
  alpha: number,
): MetricOutcome {
  const n = green.requests;
  const failures = Math.min(green.failures, n);
  const greenRate = n > 0 ? failures / n : 0;
  if (!blue) {
    const value = { green: greenRate, blue: null };
    if (n >= settings.hardMinRequests && greenRate >= settings.hardErrorRate) {
      return { status: 'fail', value, reason: JUDGE_REASONS.hardErrorsAbsolute(pct(greenRate), n) };
    }
    const limit = settings.absolute.errorRate;
    const p = binomialGreaterPValue(failures, n, limit);
    if (greenRate > limit && p <= alpha) {
      return {
        status: 'fail',
        value,
        reason: JUDGE_REASONS.aboveLimit('errorRate', pct(greenRate), pct(limit), p, alpha),
      };
    }
    return { status: 'ok', value };
  }

  const blueFailures = Math.min(blue.failures, blue.requests);
  const blueRate = blueFailures / blue.requests;
  const value = { green: greenRate, blue: blueRate };
  const material =
    greenRate >= blueRate + settings.errorMarginAbs &&
    greenRate >= blueRate * settings.errorMarginRatio;
  if (!material) return { status: 'ok', value };
  if (n >= settings.hardMinRequests && greenRate >= settings.hardErrorRate) {
    return {
      status: 'fail',
      value,
      reason: JUDGE_REASONS.hardErrors(pct(greenRate), pct(blueRate), n),
    };
  }
  const p = fisherGreaterPValue(failures, n, blueFailures, blue.requests);
  return compared('errorRate', value, p, alpha, settings, pct);
}

function judgeLatency(
  metric: Exclude<AnalysisMetric, 'errorRate'>,
  greenPool: PoolWindow,
  bluePool: PoolWindow | null,
  settings: JudgeSettings,
  alpha: number,
): MetricOutcome {
  const { histogram: key, limit } = LATENCY[metric];
  const green = perRequest(greenPool[key], greenPool.requests);
  const greenP95 = histogramQuantile(green, 1 - TAIL) * 1000;
  const blue = bluePool ? perRequest(bluePool[key], bluePool.requests) : null;
  if (green.count === 0) {
    // Neither pool reports it (e.g. no streams): nothing to hold green to.
    if (!blue || blue.count === 0) return { status: 'ok' };
    return { status: 'untestable', reason: JUDGE_REASONS.fewObservations(metric, 0) };
  }

  if (!blue || blue.count === 0) {
    const value = { green: round(greenP95), blue: null };
    const limitMs = settings.absolute[limit];
    // Green's share above a bound at or over the limit is at most its share above the limit.
    const index = boundAtOrAbove(green.le, limitMs / 1000);
    const p = binomialGreaterPValue(countAbove(green, index), green.count, TAIL);
    if (greenP95 > limitMs && p <= alpha) {
      return {
        status: 'fail',
        value,
        reason: JUDGE_REASONS.aboveLimit(metric, ms(greenP95), ms(limitMs), p, alpha),
      };
    }
    return { status: 'ok', value };
  }

  const blueP95 = histogramQuantile(blue, 1 - TAIL) * 1000;
  const value = { green: round(greenP95), blue: round(blueP95) };
  if (greenP95 < blueP95 * (1 + settings.latencyMargin)) return { status: 'ok', value };
  if (green.count < settings.minSamples) {
    return {
      status: 'untestable',
      value,
      reason: JUDGE_REASONS.fewObservations(metric, green.count),
    };
  }
  // Both pools' shares above the bound nearest blue's p95 (~5 % for blue): comparing counts in
  // the same bucket needs no raw samples and no assumption about the latency distribution.
  const index = nearestBound(blue.le, blueP95 / 1000);
  if (countAbove(blue, index) === 0 && blueP95 / 1000 > blue.le[index]!) {
    return { status: 'untestable', value, reason: JUDGE_REASONS.noBucket(metric) };
  }
  const p = fisherGreaterPValue(
    countAbove(green, index),
    green.count,
    countAbove(blue, index),
    blue.count,
  );
  return compared(metric, value, p, alpha, settings, ms);
}

/** Materially worse already; significance decides between fail, inconclusive and ok. */
function compared(
  metric: string,
  value: { green: number; blue: number },
  p: number,
  alpha: number,
  settings: JudgeSettings,
  format: (n: number) => string,
): MetricOutcome {
  const [g, b] = [format(value.green), format(value.blue)];
  if (p <= alpha)
    return { status: 'fail', value, reason: JUDGE_REASONS.worse(metric, g, b, p, alpha) };
  if (p <= settings.suggestivePValue) {
    return { status: 'suggestive', value, reason: JUDGE_REASONS.suggestive(metric, g, b, p) };
  }
  return { status: 'ok', value };
}

/**
 * Token gaps within one stream are correlated (a slow replica slows all of them), so counting
 * each gap as independent would overstate the evidence: scale the histogram down to one
 * observation per request (its design effect), keeping its shape. Exact when every request
 * streams; the snapshots do not count streams, so with few streams this is still generous.
 */
function perRequest(histogram: Histogram, requests: number): Histogram {
  if (requests <= 0 || histogram.count <= requests) return histogram;
  const factor = requests / histogram.count;
  return {
    le: histogram.le,
    counts: histogram.counts.map((c) => Math.round(c * factor)),
    count: Math.round(histogram.count * factor),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

function formatP(p: number): string {
  return p < 1e-3 ? p.toExponential(1) : p.toFixed(3);
}

function isFinitePair(value: ComparedValue): boolean {
  return Number.isFinite(value.green) && (value.blue === null || Number.isFinite(value.blue));
}
