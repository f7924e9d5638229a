import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@greenlight/runtime';
import type { CacheManagerConfig } from './config/cache-manager.config';
import { GenerationsModule } from './generations/generations.module';
import { PrepareModule } from './prepare/prepare.module';
import { SemanticModule } from './semantic/semantic.module';

@Module({})
export class AppModule {
  static register(config: CacheManagerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({ component: 'cache-manager', config }),
        SemanticModule.register(config),
        PrepareModule,
        GenerationsModule,
      ],
    };
  }
}
