import { evalGate, formatP, type CasePair } from './eval-gate.util';

/** `n` pairs of (green, blue) outcomes. */
function pairs(n: number, green: boolean, blue: boolean | null): CasePair[] {
  return Array.from({ length: n }, () => ({ green, blue }));
}

describe('evalGate', () => {
  it('passes a green as good as blue, with p = 1 when no pair is discordant (b = c = 0)', () => {
    const verdict = evalGate({ minPassRate: 0.95, pairs: pairs(40, true, true), hasBlue: true });

    expect(verdict).toEqual({
      passed: true,
      scores: { green: 1, blue: 1 },
      pValue: 1,
      discordant: { greenWorse: 0, greenBetter: 0 },
      test: 'exact McNemar (two-sided binomial on 0 discordant pairs, alpha 0.05)',
      reasons: [],
    });
  });

  it('fails a green significantly worse than blue on the same cases, naming b, n and p', () => {
    // b = 9, c = 2 over 40 pairs: P(X ≤ 2 or X ≥ 9 | n = 11, p = ½) = 0.065 — not significant…
    const close = [...pairs(9, false, true), ...pairs(2, true, false), ...pairs(29, true, true)];
    // …b = 9, c = 0: 2 × ½⁹ = 0.0039.
    const worse = [...pairs(9, false, true), ...pairs(31, true, true)];

    const notSignificant = evalGate({ minPassRate: 0.5, pairs: close, hasBlue: true });
    const significant = evalGate({ minPassRate: 0.5, pairs: worse, hasBlue: true });

    expect(notSignificant.passed).toBe(true);
    expect(notSignificant.pValue).toBeCloseTo(0.0654, 4);
    expect(significant).toMatchObject({
      passed: false,
      scores: { green: 31 / 40, blue: 1 },
      discordant: { greenWorse: 9, greenBetter: 0 },
      reasons: ['green worse than blue on 9 of 40 paired cases (exact McNemar p=0.004)'],
    });
    expect(significant.pValue).toBeCloseTo(0.00390625, 8);
  });

  it('never fails green for being significantly better than blue', () => {
    const better = [...pairs(10, true, false), ...pairs(30, true, true)];

    const verdict = evalGate({ minPassRate: 0.95, pairs: better, hasBlue: true });

    expect(verdict.passed).toBe(true);
    expect(verdict.pValue).toBeLessThan(0.05);
    expect(verdict.discordant).toEqual({ greenWorse: 0, greenBetter: 10 });
  });

  it('cannot reach significance on a handful of discordant pairs (small n)', () => {
    // All 5 discordant pairs against green: 2 × ½⁵ = 0.0625 ≥ 0.05.
    const five = [...pairs(5, false, true), ...pairs(5, true, true)];

    const verdict = evalGate({ minPassRate: 0.5, pairs: five, hasBlue: true });

    expect(verdict.passed).toBe(true);
    expect(verdict.pValue).toBe(0.0625);
    expect(verdict.test).toBe(
      'exact McNemar (two-sided binomial on 5 discordant pairs, alpha 0.05)',
    );
    expect(evalGate({ minPassRate: 0, pairs: pairs(1, false, true), hasBlue: true }).pValue).toBe(
      1,
    );
  });

  it('fails a pass rate under the bar, with digits enough that the two numbers differ', () => {
    const verdict = evalGate({
      minPassRate: 0.95,
      pairs: [...pairs(181, true, null), ...pairs(10, false, null)],
      hasBlue: false,
    });

    expect(verdict).toMatchObject({
      passed: false,
      scores: { green: 181 / 191, blue: null },
      pValue: null,
      test: 'none (no blue pool to compare with)',
      reasons: ['green pass rate 0.948 < 0.95'],
    });
    expect(
      evalGate({
        minPassRate: 0.95,
        pairs: [...pairs(62, true, null), ...pairs(38, false, null)],
        hasBlue: false,
      }).reasons,
    ).toEqual(['green pass rate 0.62 < 0.95']);
  });

  it('fails on blockers whatever the scores, listing them first', () => {
    const verdict = evalGate({
      minPassRate: 0.95,
      pairs: pairs(3, false, null),
      hasBlue: false,
      blockers: ["template leak: green's answer contains '<|eot_id|>'"],
    });

    expect(verdict.passed).toBe(false);
    expect(verdict.reasons).toEqual([
      "template leak: green's answer contains '<|eot_id|>'",
      'green pass rate 0 < 0.95',
    ]);
  });

  it('scores an empty suite as nothing failed, and pairs only cases both pools finished', () => {
    expect(evalGate({ minPassRate: 0.95, pairs: [], hasBlue: false })).toMatchObject({
      passed: true,
      scores: { green: 1, blue: null },
      pValue: null,
    });
    const cut = [...pairs(4, true, true), ...pairs(2, false, null)];
    expect(evalGate({ minPassRate: 0, pairs: cut, hasBlue: true })).toMatchObject({
      scores: { green: 4 / 6, blue: 1 },
      discordant: { greenWorse: 0, greenBetter: 0 },
    });
  });

  it('writes p-values as a person reads them', () => {
    expect([0.0654296875, 0.00390625, 0.05, 1, 1.9073486328125e-6].map(formatP)).toEqual([
      '0.065',
      '0.004',
      '0.05',
      '1',
      '1.9e-6',
    ]);
  });
});
