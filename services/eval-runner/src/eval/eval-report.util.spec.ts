import type { EvalReport } from '@greenlight/contracts';
import { EvalReportSchema } from '@greenlight/contracts';
import { fitReport } from './eval-report.util';
import { MAX_REPORT_CHARS } from './eval.constants';

function report(cases: number, detail: string): EvalReport {
  return {
    suite: 'evals/big.yaml',
    cases: Array.from({ length: cases }, (_, i) => ({
      id: `case-${i}`,
      kind: 'eval' as const,
      green: { passed: false, latencyMs: 12, detail },
      blue: { passed: false, latencyMs: 10, detail },
    })),
    discordant: { greenWorse: 0, greenBetter: 0 },
    test: 'exact McNemar',
    seconds: 3,
  };
}

describe('fitReport', () => {
  it('leaves a report that fits one message untouched', () => {
    const small = report(40, 'expected "Paris", got "Rome"');

    expect(fitReport(small)).toBe(small);
  });

  it('shortens, then drops, failure details of a huge report, keeping every outcome', () => {
    const huge = report(1_900, 'x'.repeat(500));

    const fitted = fitReport(huge);

    expect(JSON.stringify(fitted).length).toBeLessThanOrEqual(MAX_REPORT_CHARS);
    expect(fitted.cases).toHaveLength(1_900);
    expect(fitted.cases.every((c) => !c.green.passed && c.blue?.latencyMs === 10)).toBe(true);
    expect(EvalReportSchema.safeParse(fitted).success).toBe(true);
  });
});
