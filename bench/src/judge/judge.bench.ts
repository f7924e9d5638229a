import type { AnalysisMetric, Verdict } from '@greenlight/contracts';
import { ANALYSIS_DEFAULTS } from '@greenlight/analysis';
import { judgeWindow, type JudgeSettings, type PoolWindow } from '@greenlight/analysis';
import { MetricsWindow } from '@greenlight/analysis';
import { histogramQuantile } from '@greenlight/analysis';

import { percentile, round, table } from '../load.util';
import { gatewaySnapshot, rng, SimulatedPool, type PoolProfile } from './canary-sim.util';

const TOTAL_RPS = 100;
const GREEN_SHARE = 0.01;
const INTERVAL_S = 30;
const BAKE_S = 600;
/** The orchestrator extends an inconclusive bake up to 3 times (maxBakeExtensions). */
const EXTENSIONS = 3;
const MAX_S = BAKE_S * (1 + EXTENSIONS);
const TRIALS = Number(process.env['JUDGE_TRIALS'] ?? 3_000);
const SEED = Number(process.env['JUDGE_SEED'] ?? 20_251);
const METRICS: AnalysisMetric[] = ['errorRate', 'ttftP95', 'itlP95', 'e2eP95'];

const BLUE: PoolProfile = {
  errorRate: 0.01,
  ttft: { median: 0.2, sigma: 0.5 },
  itl: { median: 0.02, sigma: 0.35 },
  e2ePerToken: { median: 0.025, sigma: 0.3 },
  tokens: 100,
};

const SCENARIOS: { name: string; green: PoolProfile; regression: boolean }[] = [
  { name: 'healthy', green: BLUE, regression: false },
  { name: 'errors 1%→5%', green: { ...BLUE, errorRate: 0.05 }, regression: true },
  {
    name: 'ttft +50%',
    green: { ...BLUE, ttft: { ...BLUE.ttft, median: BLUE.ttft.median * 1.5 } },
    regression: true,
  },
];

type Judge = (green: PoolWindow, blue: PoolWindow) => Verdict;

const SETTINGS: JudgeSettings = {
  ...ANALYSIS_DEFAULTS,
  absolute: { ...ANALYSIS_DEFAULTS.absolute },
  plannedLooks: Math.ceil(MAX_S / INTERVAL_S),
};

const ours: Judge = (green, blue) =>
  judgeWindow({ metrics: METRICS, green, blue, downReplicas: [] }, SETTINGS).verdict;

/** What a hand-written rule would do: point estimates against fixed margins, every look. */
const naive: Judge = (green, blue) => {
  if (green.requests < SETTINGS.minSamples) return 'inconclusive';
  if (green.failures / green.requests > blue.failures / blue.requests + 0.01) return 'fail';
  for (const key of ['ttft', 'itl', 'e2ePerToken'] as const) {
    if (histogramQuantile(green[key], 0.95) > histogramQuantile(blue[key], 0.95) * 1.2) {
      return 'fail';
    }
  }
  return 'pass';
};

interface Outcome {
  /** rollback: a fail look, or no pass by the last extension's end. */
  decision: 'promote' | 'rollback';
  atS: number;
  failed: boolean;
}

/** One step as the orchestrator runs it: fail rolls back, each bake end promotes on pass. */
function trial(green: PoolProfile, judge: Judge, random: () => number): Outcome {
  const bluePool = new SimulatedPool('v1', BLUE);
  const greenPool = new SimulatedPool('v2', green);
  const window = new MetricsWindow();
  window.ingest(gatewaySnapshot('chat', 0, bluePool, greenPool));
  for (let t = INTERVAL_S; t <= MAX_S; t += INTERVAL_S) {
    bluePool.advance(TOTAL_RPS * (1 - GREEN_SHARE), INTERVAL_S, random);
    greenPool.advance(TOTAL_RPS * GREEN_SHARE, INTERVAL_S, random);
    window.ingest(gatewaySnapshot('chat', t * 1000, bluePool, greenPool));
    const verdict = judge(window.pool('v2'), window.pool('v1'));
    if (verdict === 'fail') return { decision: 'rollback', atS: t, failed: true };
    if (t % BAKE_S === 0 && verdict === 'pass')
      return { decision: 'promote', atS: t, failed: false };
  }
  return { decision: 'rollback', atS: MAX_S, failed: false };
}

interface Row {
  /** Regression: power (a fail within the first bake). Healthy: false rollbacks (any rollback). */
  rate: number;
  failLook: number;
  neverPassed: number;
  medianS: number;
  /** When each rolled-back trial was decided (regressions only). */
  rollbackTimes: number[];
}

function run(scenario: (typeof SCENARIOS)[number], judge: Judge, seed: number): Row {
  const random = rng(seed);
  const outcomes = Array.from({ length: TRIALS }, () => trial(scenario.green, judge, random));
  const rollbacks = outcomes.filter((o) => o.decision === 'rollback');
  const failed = outcomes.filter((o) => o.failed);
  const detected = failed.filter((o) => o.atS <= BAKE_S);
  return {
    rate: (scenario.regression ? detected.length : rollbacks.length) / TRIALS,
    failLook: failed.length / TRIALS,
    neverPassed: (rollbacks.length - failed.length) / TRIALS,
    medianS: percentile(
      outcomes.map((o) => o.atS),
      50,
    ),
    rollbackTimes: scenario.regression ? rollbacks.map((o) => o.atS) : [],
  };
}

function ratio(ours: number, baseline: number): string {
  if (baseline === 0) return ours === 0 ? '1' : 'inf';
  return (ours / baseline).toPrecision(2);
}

/**
 * Monte-Carlo of the canary judge: a 1 % step at 100 req/s, looks every 30 s over a 10-minute
 * bake extended up to 3 times, on synthetic gateway snapshots. Power = a fail within the bake;
 * false rollback = a healthy canary failed at any look or never passed.
 */
export async function runJudgeBench(): Promise<Record<string, number>> {
  const started = performance.now();
  const rows: (string | number)[][] = [
    [
      'scenario',
      'judge',
      'power | false rollback',
      'fail at a look',
      'never passed',
      'median decision s',
      'greenlight / naive',
    ],
  ];
  const results: Record<string, { ours: Row; naive: Row }> = {};
  SCENARIOS.forEach((scenario, i) => {
    const mine = run(scenario, ours, SEED + i);
    const base = run(scenario, naive, SEED + i);
    results[scenario.name] = { ours: mine, naive: base };
    const cells = (row: Row) => [
      round(row.rate, 4),
      round(row.failLook, 4),
      round(row.neverPassed, 4),
      row.medianS,
    ];
    rows.push(
      [scenario.name, 'greenlight', ...cells(mine), ratio(mine.rate, base.rate)],
      ['', 'naive', ...cells(base), ''],
    );
  });
  console.log(
    `${TRIALS} trials per scenario and judge; ${TOTAL_RPS} req/s, green ${GREEN_SHARE * 100} %, ` +
      `looks every ${INTERVAL_S} s, bake ${BAKE_S} s + ${EXTENSIONS} extensions, ` +
      `per-look alpha ${SETTINGS.falseFailRate}/(${SETTINGS.plannedLooks}×${METRICS.length})`,
  );
  console.log(table(rows));
  const [healthy, errors, ttft] = SCENARIOS.map((s) => results[s.name]!.ours);
  const [naiveHealthy, naiveErrors, naiveTtft] = SCENARIOS.map((s) => results[s.name]!.naive);
  const detections = [...errors!.rollbackTimes, ...ttft!.rollbackTimes];
  console.log(
    `median decision s: time to the rollback on the two regressions (${detections.length} trials); ` +
      `${round((performance.now() - started) / 1000, 1)} s`,
  );
  return {
    power_error: round(errors!.rate, 4),
    power_ttft: round(ttft!.rate, 4),
    false_rollback: round(healthy!.rate, 4),
    median_decision_s: percentile(detections, 50),
    naive_power_error: round(naiveErrors!.rate, 4),
    naive_power_ttft: round(naiveTtft!.rate, 4),
    naive_false_rollback: round(naiveHealthy!.rate, 4),
  };
}
