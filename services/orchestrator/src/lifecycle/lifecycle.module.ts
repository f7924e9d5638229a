import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { LifecycleService } from './lifecycle.service';
import { PoolEventsHandler } from './pool-events.handler';
import { TimerRunner } from './timer-runner.service';
import { TrafficEventsHandler } from './traffic-events.handler';
import { VerificationEventsHandler } from './verification-events.handler';

/** Drives deployments through their phases on reports from the other services and on timers. */
@Module({
  imports: [DeploymentsModule],
  controllers: [PoolEventsHandler, TrafficEventsHandler, VerificationEventsHandler],
  providers: [LifecycleService, TimerRunner],
  exports: [LifecycleService],
})
export class LifecycleModule {}
