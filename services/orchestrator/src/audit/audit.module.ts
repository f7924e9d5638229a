import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Module({
  imports: [DeploymentsModule],
  controllers: [AuditController],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
