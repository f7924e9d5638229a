import binomialTest from '@stdlib/stats-binomial-test';
import { GATE_REASONS, GATE_TESTS, SIGNIFICANCE } from './gate.constants';

/** One suite case on both pools: blue is null without a blue pool (or when blue's run was cut). */
export interface CasePair {
  green: boolean;
  blue: boolean | null;
}

export interface GateInput {
  minPassRate: number;
  /** The suite's cases (empty without a suite). */
  pairs: readonly CasePair[];
  /** Whether a blue pool was compared at all (its pass rate is reported even if nothing paired). */
  hasBlue: boolean;
  /** Reasons that fail the gate whatever the scores: smoke failures, a bad suite, the deadline. */
  blockers?: readonly string[];
}

export interface GateVerdict {
  passed: boolean;
  /** Pass rates on the suite (1 when there is no suite: nothing failed). */
  scores: { green: number; blue: number | null };
  /** Exact McNemar p-value; null without blue. */
  pValue: number | null;
  discordant: { greenWorse: number; greenBetter: number };
  /** Name of the paired test as the report shows it. */
  test: string;
  reasons: string[];
}

/**
 * The Verifying gate: green passes ≥ minPassRate of the suite and is not significantly worse than
 * blue on the same cases (exact McNemar: a two-sided binomial test on the discordant pairs; fail
 * when p < 0.05 and green lost more of them than it won). Blockers fail it regardless.
 */
export function evalGate({ minPassRate, pairs, hasBlue, blockers = [] }: GateInput): GateVerdict {
  const green = passRate(pairs.map((p) => p.green));
  const blueRuns = pairs.flatMap((p) => (p.blue === null ? [] : [p.blue]));
  const blue = hasBlue ? passRate(blueRuns) : null;
  const reasons = [...blockers];
  if (pairs.length > 0 && green < minPassRate) {
    reasons.push(GATE_REASONS.passRate(...rates(green, minPassRate)));
  }

  const paired = pairs.filter((p): p is { green: boolean; blue: boolean } => p.blue !== null);
  const greenWorse = paired.filter((p) => !p.green && p.blue).length;
  const greenBetter = paired.filter((p) => p.green && !p.blue).length;
  let pValue: number | null = null;
  let test: string = GATE_TESTS.none;
  if (hasBlue) {
    const discordant = greenWorse + greenBetter;
    pValue = discordant === 0 ? 1 : Math.min(1, binomialTest(greenWorse, discordant).pValue);
    test = GATE_TESTS.mcnemar(discordant);
    if (pValue < SIGNIFICANCE && greenWorse > greenBetter) {
      reasons.push(GATE_REASONS.worseThanBlue(greenWorse, paired.length, formatP(pValue)));
    }
  }
  return {
    passed: reasons.length === 0,
    scores: { green, blue },
    pValue,
    discordant: { greenWorse, greenBetter },
    test,
    reasons,
  };
}

function passRate(outcomes: readonly boolean[]): number {
  return outcomes.length === 0 ? 1 : outcomes.filter(Boolean).length / outcomes.length;
}

/** Two decimals, or as many as it takes for a rate just under the bar not to read as equal. */
function rates(rate: number, bar: number): [string, string] {
  for (let digits = 2; digits < 6; digits++) {
    const [a, b] = [rate.toFixed(digits), bar.toFixed(digits)];
    if (a !== b) return [trimZeros(a), trimZeros(b)];
  }
  return [String(rate), String(bar)];
}

function trimZeros(fixed: string): string {
  return fixed.replace(/(\.\d*?[1-9])0+$/, '$1').replace(/\.0+$/, '');
}

/** 0.0041 → "0.004"; tiny values in scientific notation rather than "0.000". */
export function formatP(p: number): string {
  if (p >= 0.001) return trimZeros(p.toFixed(3));
  return p.toExponential(1);
}
