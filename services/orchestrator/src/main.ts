import 'reflect-metadata';
import { readConfig, runService } from '@greenlight/runtime';
import { AppModule } from './app.module';
import { OrchestratorConfigSchema } from './config/orchestrator.config';
import { setUpOpenApi } from './openapi';

const config = readConfig(OrchestratorConfigSchema);
runService(AppModule.register(config), config, {
  component: 'orchestrator',
  configure: setUpOpenApi,
});
