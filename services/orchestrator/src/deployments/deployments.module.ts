import { Module } from '@nestjs/common';
import { LifecycleMetrics } from '../lifecycle/lifecycle.metrics';
import { LifecycleService } from '../lifecycle/lifecycle.service';
import { DeployRequestedHandler } from './deploy-requested.handler';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsService } from './deployments.service';
import { OutboxPublisher } from './outbox.publisher';

@Module({
  controllers: [DeploymentsController, DeployRequestedHandler],
  // The lifecycle engine lives with the records it moves: a new request may retire a standby one.
  providers: [DeploymentsService, OutboxPublisher, LifecycleService, LifecycleMetrics],
  exports: [DeploymentsService, OutboxPublisher, LifecycleService],
})
export class DeploymentsModule {}
