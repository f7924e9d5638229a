import { type DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { CompletionsModule } from './completions/completions.module';
import { MetricsModule } from './metrics/metrics.module';
import { ServingModule } from './serving/serving.module';
import { SimCoreModule, type SimRuntime } from './sim-core.module';

/** The simulator's HTTP surface: OpenAI API, vLLM extras, metrics and the admin API. */
@Module({})
export class AppModule {
  static register(runtime: SimRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SimCoreModule.forRoot(runtime),
        ServingModule,
        CompletionsModule,
        MetricsModule,
        AdminModule,
      ],
    };
  }
}
