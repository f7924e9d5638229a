import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@greenlight/runtime';
import type { CacheManagerConfig } from './config/cache-manager.config';

@Module({})
export class AppModule {
  static register(config: CacheManagerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceKitModule.forRoot({ component: 'cache-manager', config })],
    };
  }
}
