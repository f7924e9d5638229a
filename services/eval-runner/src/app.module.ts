import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceKitModule } from '@greenlight/runtime';
import type { EvalRunnerConfig } from './config/eval-runner.config';
import { EvalModule } from './eval/eval.module';

@Module({})
export class AppModule {
  static register(config: EvalRunnerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({ component: 'eval-runner', config }),
        EvalModule.register(config),
      ],
    };
  }
}
