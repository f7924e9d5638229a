import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { VERDICTS } from '@greenlight/contracts';
import { METRICS_REGISTRY } from '@greenlight/telemetry';

/** How often canaries are judged, what the verdicts were, and how many analyses run now. */
@Injectable()
export class AnalysisMetrics {
  readonly looks: Counter;
  readonly verdicts: Counter<'verdict'>;
  readonly running: Gauge;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.looks = new Counter({
      name: 'greenlight_analysis_looks_total',
      help: 'Canary analysis looks (one analysis.completed each)',
      registers: [registry],
    });
    this.verdicts = new Counter({
      name: 'greenlight_analysis_verdicts_total',
      help: 'Canary analysis verdicts by kind: pass, fail (rolls back), inconclusive (extends the bake)',
      labelNames: ['verdict'],
      registers: [registry],
    });
    // Every verdict shows up at 0 before the first look: dashboards and alerts see the series.
    for (const verdict of VERDICTS) this.verdicts.inc({ verdict }, 0);
    this.running = new Gauge({
      name: 'greenlight_analysis_running',
      help: 'Canary analyses this prober is judging now',
      registers: [registry],
    });
  }
}
