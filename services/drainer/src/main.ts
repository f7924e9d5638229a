import 'reflect-metadata';
import { readConfig, runService } from '@greenlight/runtime';
import { AppModule } from './app.module';
import { DrainerConfigSchema } from './config/drainer.config';

const config = readConfig(DrainerConfigSchema);
runService(AppModule.register(config), config, { component: 'drainer' });
