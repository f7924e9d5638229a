import { Module } from '@nestjs/common';
import { DeployRequestedHandler } from './deploy-requested.handler';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsService } from './deployments.service';
import { OutboxPublisher } from './outbox.publisher';

@Module({
  controllers: [DeploymentsController, DeployRequestedHandler],
  providers: [DeploymentsService, OutboxPublisher],
  exports: [DeploymentsService, OutboxPublisher],
})
export class DeploymentsModule {}
