import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@greenlight/telemetry';

export type TrafficOutcome = 'applied' | 'reconfirmed' | 'refused' | 'failed';

/** How routing changes end, and how long the data plane takes to confirm them. */
@Injectable()
export class TrafficMetrics {
  readonly outcomes: Counter<'outcome'>;
  readonly confirmSeconds: Histogram<'driver'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.outcomes = new Counter({
      name: 'greenlight_traffic_changes_total',
      help: 'traffic.set commands by outcome: applied, reconfirmed (a repeat), refused, failed (retried)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.confirmSeconds = new Histogram({
      name: 'greenlight_traffic_confirm_seconds',
      help: 'From writing a routing table to its confirmation by every instance of a data plane',
      labelNames: ['driver'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }
}
