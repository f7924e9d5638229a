import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import type { DrainerConfig } from '../config/drainer.config';
import { DrainModule } from '../drain/drain.module';
import { PoolCommandsHandler } from './pool-commands.handler';
import { PoolHostService } from './pool-host.service';
import { poolDriversFor } from './pool-drivers.util';
import { POOL_DRIVERS } from './pools.constants';

/** The pool lifecycle's two ends: starting a release's replicas, and stopping them. */
@Module({
  imports: [DrainModule],
  controllers: [PoolCommandsHandler],
  providers: [
    {
      provide: POOL_DRIVERS,
      inject: [SERVICE_CONFIG],
      useFactory: (config: DrainerConfig) => poolDriversFor(config),
    },
    PoolHostService,
  ],
  exports: [PoolHostService],
})
export class PoolsModule {}
