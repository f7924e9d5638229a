import 'reflect-metadata';
import { readConfig, runService } from '@greenlight/runtime';
import { AppModule } from './app.module';
import { CacheManagerConfigSchema } from './config/cache-manager.config';

const config = readConfig(CacheManagerConfigSchema);
runService(AppModule.register(config), config, { component: 'cache-manager' });
