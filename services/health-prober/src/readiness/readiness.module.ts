import { Module } from '@nestjs/common';
import { UndiciProbeTransport, type ProbeTransportFactory } from './probe.transport';
import { PROBE_TRANSPORT_FACTORY } from './readiness.constants';
import { ReadinessCancellationService } from './readiness-cancellation.service';
import { ReadinessHandler } from './readiness.handler';
import { ReadinessMetrics } from './readiness.metrics';
import { ReadinessService } from './readiness.service';

/** Readiness of green replicas: connect → /health → /v1/models → warm-up, per readiness.probe command. */
@Module({
  controllers: [ReadinessHandler],
  providers: [
    ReadinessService,
    ReadinessCancellationService,
    ReadinessMetrics,
    {
      provide: PROBE_TRANSPORT_FACTORY,
      useValue: (() => new UndiciProbeTransport()) satisfies ProbeTransportFactory,
    },
  ],
})
export class ReadinessModule {}
