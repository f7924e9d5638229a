import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@greenlight/telemetry';

export type DrainMetricOutcome = 'drained' | 'timed_out' | 'cancelled';

/** How drains end and how long they take; timed_out is the count operators alert on. */
@Injectable()
export class DrainMetrics {
  readonly drains: Counter<'outcome'>;
  readonly seconds: Histogram<'outcome'>;
  readonly running: Gauge;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.drains = new Counter({
      name: 'greenlight_drains_total',
      help: 'Drains by outcome: drained (nothing left in flight), timed_out (drain.completed with timedOut), cancelled (the deployment left Draining)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.seconds = new Histogram({
      name: 'greenlight_drain_duration_seconds',
      help: 'Time from drain.start being issued to drain.completed, by outcome (drained, timed_out)',
      labelNames: ['outcome'],
      buckets: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    });
    this.running = new Gauge({
      name: 'greenlight_drains_running',
      help: 'Drains waiting for in-flight requests right now',
      registers: [registry],
    });
  }
}
