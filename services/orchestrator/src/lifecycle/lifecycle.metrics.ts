import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { isTerminal, type Deployment, type Phase } from '@greenlight/contracts';
import { DeploymentRepository } from '@greenlight/store';
import { METRICS_REGISTRY } from '@greenlight/telemetry';

/** How many recent deployments the phase gauge looks at on each scrape. */
const SCRAPE_WINDOW = 500;

/** Transitions as they happen, and the deployments still running by phase (read on scrape). */
@Injectable()
export class LifecycleMetrics {
  readonly transitions: Counter<'service' | 'from' | 'to'>;

  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    repo: DeploymentRepository<Deployment>,
  ) {
    this.transitions = new Counter({
      name: 'greenlight_deployment_transitions_total',
      help: 'Phase transitions by service, from and to (to="RollingBack": a rollback began)',
      labelNames: ['service', 'from', 'to'],
      registers: [registry],
    });
    new Gauge({
      name: 'greenlight_deployments',
      help: 'Deployments that have not ended, by service and phase (paused ones included)',
      labelNames: ['service', 'phase'],
      registers: [registry],
      async collect() {
        this.reset();
        const recent = await repo.list({ limit: SCRAPE_WINDOW });
        for (const d of recent) {
          if (!isTerminal(d.phase)) this.inc({ service: d.service, phase: d.phase });
        }
      },
    });
  }

  moved(service: string, from: Phase, to: Phase): void {
    this.transitions.inc({ service, from, to });
  }
}
