import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@greenlight/runtime';
import type { HealthProberConfig } from './config/health-prober.config';
import { AnalysisModule } from './analysis/analysis.module';
import { ReadinessModule } from './readiness/readiness.module';

@Module({})
export class AppModule {
  static register(config: HealthProberConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({ component: 'health-prober', config }),
        ReadinessModule,
        AnalysisModule,
      ],
    };
  }
}
