import type { AnalysisMetric } from '@greenlight/contracts';
import { ANALYSIS_DEFAULTS } from './judge.constants';
import { judgeWindow, perLookAlpha, type JudgeSettings, type PoolWindow } from './judge.util';
import type { Histogram } from './stats.util';

const LE = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 5];
const ALL: AnalysisMetric[] = ['errorRate', 'ttftP95', 'itlP95', 'e2eP95'];

const SETTINGS: JudgeSettings = {
  ...ANALYSIS_DEFAULTS,
  absolute: { ...ANALYSIS_DEFAULTS.absolute },
  plannedLooks: 40,
};

/** n latencies spread evenly over [from, to] seconds, as a cumulative histogram. */
function spread(n: number, from: number, to: number): Histogram {
  // Value i is from + (to - from) * (i + 0.5) / n: count those at or under each bound.
  const upTo = (b: number) =>
    Math.min(n, Math.max(0, Math.floor(((b - from) / (to - from)) * n - 0.5) + 1));
  return { le: LE, counts: LE.map(upTo), count: n };
}

function pool(requests: number, failures: number, slowdown = 1): PoolWindow {
  const answered = requests - failures;
  return {
    requests,
    failures,
    ttft: spread(answered, 0.05 * slowdown, 0.45 * slowdown),
    itl: spread(answered, 0.01, 0.04),
    e2ePerToken: spread(answered, 0.01, 0.05),
  };
}

const judge = (green: PoolWindow, blue: PoolWindow | null, downReplicas = []) =>
  judgeWindow({ metrics: ALL, green, blue, downReplicas }, SETTINGS);

describe('judgeWindow', () => {
  it('passes a green that behaves like blue once it served enough requests', () => {
    const result = judge(pool(600, 6), pool(59_400, 594));

    expect(result.verdict).toBe('pass');
    expect(result.metrics['errorRate']).toEqual({ green: 0.01, blue: 0.01 });
    expect(result.metrics['ttftP95']!.green).toBeCloseTo(result.metrics['ttftP95']!.blue!, -1);
    expect(Object.keys(result.metrics)).toEqual(ALL);
  });

  it('is inconclusive, never a pass, below the minimum sample', () => {
    const result = judge(pool(30, 0), pool(2_970, 30));

    expect(result.verdict).toBe('inconclusive');
    expect(result.reasons[0]).toBe('green served 30 of the 50 requests needed');
  });

  it('with no minimum sample and no traffic at all, passes with only numbers in its metrics', () => {
    const result = judgeWindow(
      { metrics: ALL, green: pool(0, 0), blue: pool(0, 0), downReplicas: [] },
      { ...SETTINGS, minSamples: 0 },
    );

    expect(result.verdict).toBe('pass');
    for (const value of Object.values(result.metrics)) {
      expect(Number.isFinite(value.green)).toBe(true);
      expect(value.blue === null || Number.isFinite(value.blue)).toBe(true);
    }
  });

  it('fails a clear error-rate regression (5 % against 1 %)', () => {
    const result = judge(pool(600, 30), pool(59_400, 594));

    expect(result.verdict).toBe('fail');
    expect(result.reasons).toEqual([
      expect.stringMatching(/^errorRate: green 5\.00% vs blue 1\.00% \(p=.* ≤ .*\)$/),
    ]);
  });

  it('fails a clear TTFT regression (+50 %) without raw samples, from the histograms', () => {
    const result = judge(pool(300, 3, 1.5), pool(29_700, 297));

    expect(result.verdict).toBe('fail');
    expect(result.reasons).toEqual([expect.stringMatching(/^ttftP95: green .* vs blue .* \(p=/)]);
    expect(result.metrics['ttftP95']!.green).toBeGreaterThan(
      result.metrics['ttftP95']!.blue! * 1.3,
    );
  });

  it('does not fail on a significant but immaterial difference (1.2 % against 1 %)', () => {
    const result = judge(pool(500_000, 6_000), pool(500_000, 5_000));

    expect(result.verdict).toBe('pass');
  });

  it('holds a material but not yet significant difference as inconclusive', () => {
    // 13 errors where 6 were expected: p ≈ 0.008, far above the per-look alpha.
    const result = judge(pool(600, 13), pool(59_400, 594));

    expect(result.verdict).toBe('inconclusive');
    expect(result.reasons[0]).toMatch(
      /^errorRate: .* looks worse \(p=0\.0\d\d\), not significant yet$/,
    );
  });

  it('fails at once on a hard failure, before the minimum sample', () => {
    const result = judge(pool(25, 8), pool(2_500, 25));

    expect(result.verdict).toBe('fail');
    expect(result.reasons).toEqual([
      'errorRate: green 32.00% over 25 requests, blue 1.00%: far above blue, no test needed',
    ]);
  });

  it('fails when a green replica is down, whatever the metrics say', () => {
    const result = judge(pool(600, 6), pool(59_400, 594), [
      { url: 'http://10.0.0.7:8000', error: 'connection refused' },
    ] as never);

    expect(result.verdict).toBe('fail');
    expect(result.reasons).toEqual([
      'green replica http://10.0.0.7:8000 is down: connection refused (health checks failed at consecutive looks)',
    ]);
  });

  it('never passes on the absolute limits while blue serves too few requests to compare against', () => {
    // Green within the absolute limits, but blue (which serves) is no baseline yet.
    const thinBlue = judge(pool(60, 3), pool(20, 0));

    expect(thinBlue.verdict).toBe('inconclusive');
    expect(thinBlue.reasons).toContain(
      'blue served 20 of the 50 requests needed to compare against',
    );
    // Hard failures still count without a baseline.
    expect(judge(pool(60, 24), pool(20, 0)).verdict).toBe('fail');
  });

  it('judges against the absolute limits when there is no blue', () => {
    expect(judge(pool(1_000, 10), null).verdict).toBe('pass');
    const failing = judge(pool(1_000, 100), null);
    expect(failing.verdict).toBe('fail');
    expect(failing.reasons[0]).toMatch(/^errorRate: green 10\.00% above the limit 5\.00%/);
    expect(failing.metrics['errorRate']).toEqual({ green: 0.1, blue: null });
  });

  it('counts token gaps once per request, so a long stream is not overwhelming evidence', () => {
    const le = [0.01, 0.02, 0.03, 0.04, 0.06, 0.1];
    const gaps = (n: number, shares: number[]): Histogram => ({
      le,
      counts: shares.map((share) => Math.round(share * n)),
      count: n,
    });
    // Green: 9 % of gaps above 40 ms where blue has 5 %, p95 +33 %.
    const withItl = (requests: number, itl: Histogram): PoolWindow => ({
      ...pool(requests, 0),
      itl,
    });
    const green = (requests: number) =>
      withItl(requests, gaps(10_000, [0.2, 0.45, 0.7, 0.91, 0.97, 1]));
    const blue = withItl(10_000, gaps(1_000_000, [0.2, 0.5, 0.8, 0.95, 1, 1]));
    const itlOnly = (g: PoolWindow) =>
      judgeWindow({ metrics: ['itlP95'], green: g, blue, downReplicas: [] }, SETTINGS);

    // 100 streams of 100 tokens: the evidence of 100 requests, not of 10,000 gaps.
    expect(itlOnly(green(100)).verdict).not.toBe('fail');
    // 10,000 one-token answers: that much evidence is a fail.
    expect(itlOnly(green(10_000)).verdict).toBe('fail');
  });

  it('splits the false-fail budget over every planned look and metric', () => {
    expect(perLookAlpha(SETTINGS, 4)).toBeCloseTo(0.005 / 160, 12);
  });
});
