import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { BakeService } from './bake.service';
import { CacheEventsHandler } from './cache-events.handler';
import { DrainEventsHandler } from './drain-events.handler';
import { PoolEventsHandler } from './pool-events.handler';
import { TimerRunner } from './timer-runner.service';
import { TrafficEventsHandler } from './traffic-events.handler';
import { VerificationEventsHandler } from './verification-events.handler';

/** Drives deployments through their phases on reports from the other services and on timers. */
@Module({
  imports: [DeploymentsModule],
  controllers: [
    PoolEventsHandler,
    CacheEventsHandler,
    VerificationEventsHandler,
    TrafficEventsHandler,
    DrainEventsHandler,
  ],
  providers: [BakeService, TimerRunner],
  exports: [DeploymentsModule],
})
export class LifecycleModule {}
