import 'reflect-metadata';
import { readConfig, runService } from '@greenlight/runtime';
import { AppModule } from './app.module';
import { TrafficShifterConfigSchema } from './config/traffic-shifter.config';

const config = readConfig(TrafficShifterConfigSchema);
runService(AppModule.register(config), config, { component: 'traffic-shifter' });
