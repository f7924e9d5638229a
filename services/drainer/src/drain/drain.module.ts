import { Module } from '@nestjs/common';
import { DrainCancellationService } from './drain-cancellation.service';
import { DrainHandler } from './drain.handler';
import { DrainMetrics } from './drain.metrics';
import { DrainService } from './drain.service';
import { GatewayGaugesService } from './gateway-gauges.service';
import { ReplicaMetricsClient } from './replica-metrics.client';

/** Draining blue: wait until its gateways and replicas have nothing in flight, per drain.start. */
@Module({
  controllers: [DrainHandler],
  providers: [
    DrainService,
    DrainCancellationService,
    DrainMetrics,
    GatewayGaugesService,
    ReplicaMetricsClient,
  ],
  exports: [DrainService],
})
export class DrainModule {}
