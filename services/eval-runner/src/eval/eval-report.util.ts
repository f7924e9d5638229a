import type { z } from 'zod';
import type { CaseOutcomeSchema, EvalReport } from '@greenlight/contracts';
import type { CasePair, GateVerdict } from '../gate/eval-gate.util';
import type { SmokeResult } from '../smoke/smoke-checks';
import { SMOKE_CASE_PREFIX, SMOKE_CHECKS } from '../smoke/smoke.constants';
import { EVAL_MESSAGES, MAX_REPORT_CHARS } from './eval.constants';

const SHORT_DETAIL = 80;

export type CaseOutcome = z.output<typeof CaseOutcomeSchema>;

/** What a run produced, finished or not (undefined: cut by the deadline). */
export interface RunResults {
  suite: string | null;
  /** undefined: the smoke checks did not finish. */
  smoke: SmokeResult[] | undefined;
  caseIds: readonly string[];
  green: readonly (CaseOutcome | undefined)[];
  /** null without a blue pool. */
  blue: readonly (CaseOutcome | undefined)[] | null;
}

const NOT_FINISHED: CaseOutcome = {
  passed: false,
  latencyMs: 0,
  detail: EVAL_MESSAGES.notFinished,
};

/** The suite's cases as the gate pairs them: only cases green finished; blue null if it did not. */
export function casePairs({ green, blue }: RunResults): CasePair[] {
  return green.flatMap((g, i) =>
    g === undefined ? [] : [{ green: g.passed, blue: blue ? (blue[i]?.passed ?? null) : null }],
  );
}

/** The report: smoke rows first, then every suite case on both pools (unfinished ones say so). */
export function buildReport(
  results: RunResults,
  verdict: GateVerdict,
  seconds: number,
): EvalReport {
  const smokeRows = results.smoke
    ? results.smoke.map((s) => ({
        id: `${SMOKE_CASE_PREFIX}${s.check}`,
        kind: 'smoke' as const,
        green: s.outcome,
        blue: null,
      }))
    : SMOKE_CHECKS.map((check) => ({
        id: `${SMOKE_CASE_PREFIX}${check}`,
        kind: 'smoke' as const,
        green: NOT_FINISHED,
        blue: null,
      }));
  const caseRows = results.caseIds.map((id, i) => ({
    id,
    kind: 'eval' as const,
    green: results.green[i] ?? NOT_FINISHED,
    blue: results.blue ? (results.blue[i] ?? NOT_FINISHED) : null,
  }));
  return fitReport({
    suite: results.suite,
    cases: [...smokeRows, ...caseRows],
    discordant: verdict.discordant,
    test: verdict.test,
    seconds: Math.round(seconds * 1000) / 1000,
  });
}

/**
 * Keeps the report inside one NATS message: a huge suite whose every case failed verbosely gets
 * shorter details first, then none (outcomes and latencies always stay).
 */
export function fitReport(report: EvalReport): EvalReport {
  if (JSON.stringify(report).length <= MAX_REPORT_CHARS) return report;
  const shortened = withDetails(report, (d) =>
    d.length > SHORT_DETAIL ? `${d.slice(0, SHORT_DETAIL - 1)}…` : d,
  );
  if (JSON.stringify(shortened).length <= MAX_REPORT_CHARS) return shortened;
  return withDetails(report, () => undefined);
}

function withDetails(report: EvalReport, map: (detail: string) => string | undefined): EvalReport {
  const outcome = (o: CaseOutcome): CaseOutcome => {
    const { detail, ...rest } = o;
    const mapped = detail === undefined ? undefined : map(detail);
    return mapped === undefined ? rest : { ...rest, detail: mapped };
  };
  return {
    ...report,
    cases: report.cases.map((c) => ({
      ...c,
      green: outcome(c.green),
      blue: c.blue ? outcome(c.blue) : null,
    })),
  };
}

/** "finished 23 of 40 cases on green, 30 of 40 on blue; smoke checks finished" */
export function progress(results: RunResults): string {
  const finished = (outcomes: readonly (CaseOutcome | undefined)[]) =>
    outcomes.filter((o) => o !== undefined).length;
  const total = results.caseIds.length;
  const parts = [
    results.smoke ? EVAL_MESSAGES.smokeFinished : EVAL_MESSAGES.smokeNotFinished,
    ...(total > 0 ? [EVAL_MESSAGES.casesFinished(finished(results.green), total, 'green')] : []),
    ...(total > 0 && results.blue
      ? [EVAL_MESSAGES.casesFinished(finished(results.blue), total, 'blue')]
      : []),
  ];
  return parts.join(', ');
}
