import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@greenlight/runtime';
import type { DrainerConfig } from './config/drainer.config';
import { DrainModule } from './drain/drain.module';
import { PoolsModule } from './pools/pools.module';

@Module({})
export class AppModule {
  static register(config: DrainerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({ component: 'drainer', config }),
        PoolsModule,
        DrainModule,
      ],
    };
  }
}
