import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@greenlight/telemetry';

export type ReadinessOutcome = 'ready' | 'failed' | 'cancelled';

/** How long replicas spend in each readiness stage, and how probe runs end. */
@Injectable()
export class ReadinessMetrics {
  readonly stageSeconds: Histogram<'stage'>;
  readonly outcomes: Counter<'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.stageSeconds = new Histogram({
      name: 'greenlight_readiness_stage_seconds',
      help: 'Time a replica spent in a readiness stage before passing it (connect covers the cold start)',
      labelNames: ['stage'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    });
    this.outcomes = new Counter({
      name: 'greenlight_readiness_outcomes_total',
      help: 'Readiness probe runs by outcome: ready (pool.ready), failed (pool.failed), cancelled (deployment ended)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }
}
