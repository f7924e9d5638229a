import 'reflect-metadata';
import { readConfig, runService } from '@greenlight/runtime';
import { AppModule } from './app.module';
import { HealthProberConfigSchema } from './config/health-prober.config';

const config = readConfig(HealthProberConfigSchema);
runService(AppModule.register(config), config, { component: 'health-prober' });
