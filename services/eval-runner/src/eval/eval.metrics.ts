import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@greenlight/telemetry';

export type EvalRunOutcome = 'passed' | 'failed' | 'cancelled';

/** How eval runs end, how their cases fare per pool, and how long runs take. */
@Injectable()
export class EvalMetrics {
  readonly runs: Counter<'outcome'>;
  readonly cases: Counter<'pool' | 'outcome'>;
  readonly duration: Histogram<'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.runs = new Counter({
      name: 'greenlight_eval_runs_total',
      help: 'Eval runs by outcome: passed / failed (eval.completed), cancelled (deployment ended)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.cases = new Counter({
      name: 'greenlight_eval_cases_total',
      help: 'Suite cases and smoke checks run, by pool (green, blue) and outcome (passed, failed)',
      labelNames: ['pool', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'greenlight_eval_duration_seconds',
      help: 'Wall time of an eval run (smoke checks and suite on both pools), by outcome',
      labelNames: ['outcome'],
      buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    });
  }
}
