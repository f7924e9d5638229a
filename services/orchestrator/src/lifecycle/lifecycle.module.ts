import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { LifecycleService } from './lifecycle.service';
import { PoolEventsHandler } from './pool-events.handler';
import { TimerRunner } from './timer-runner.service';

/** Drives deployments through their phases on reports from the other services and on timers. */
@Module({
  imports: [DeploymentsModule],
  controllers: [PoolEventsHandler],
  providers: [LifecycleService, TimerRunner],
  exports: [LifecycleService],
})
export class LifecycleModule {}
