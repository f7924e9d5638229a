import 'reflect-metadata';
import { readConfig, runService } from '@greenlight/runtime';
import { AppModule } from './app.module';
import { EvalRunnerConfigSchema } from './config/eval-runner.config';

const config = readConfig(EvalRunnerConfigSchema);
runService(AppModule.register(config), config, { component: 'eval-runner' });
