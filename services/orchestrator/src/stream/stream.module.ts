import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DeploymentsModule } from '../deployments/deployments.module';
import { DeploymentStreamService } from './deployment-stream.service';
import { StreamController } from './stream.controller';

@Module({
  imports: [DeploymentsModule, AuditModule],
  controllers: [StreamController],
  providers: [DeploymentStreamService],
})
export class StreamModule {}
