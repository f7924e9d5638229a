import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { ModelsController } from './models.controller';
import { TokenizeController } from './tokenize.controller';

@Module({ controllers: [HealthController, ModelsController, TokenizeController] })
export class ServingModule {}
