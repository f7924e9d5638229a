import 'reflect-metadata';
import { readConfig, runService } from '@greenlight/runtime';
import { AppModule } from './app.module';
import { GatewayConfigSchema } from './config/gateway.config';

const config = readConfig(GatewayConfigSchema);
runService(AppModule.register(config), config, { component: 'gateway' });
