import {
  BadRequestException,
  Controller,
  Get,
  NotFoundException,
  Param,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Envelope } from '@greenlight/contracts';
import { RequireRole } from '../auth/roles.decorator';
import { assertDeploymentId, assertServiceName, parseLimit } from '../common/query.util';
import { DEPLOYMENT_ERRORS } from '../deployments/deployments.constants';
import { DeploymentsService } from '../deployments/deployments.service';
import { AuditService, type AuditPage } from './audit.service';

const MAX_PAGE = 1_000;

@ApiTags('audit')
@ApiBearerAuth()
@RequireRole('viewer')
@Controller('v1')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly deployments: DeploymentsService,
  ) {}

  @Get('deployments/:id/events')
  @ApiOperation({
    summary: "A deployment's audit log: every event in order of its sequence number",
  })
  async deploymentEvents(@Param('id') id: string): Promise<{ items: Envelope[] }> {
    assertDeploymentId(id);
    if (!(await this.deployments.get(id)))
      throw new NotFoundException(DEPLOYMENT_ERRORS.notFound(id));
    return { items: await this.audit.deploymentEvents(id) };
  }

  @Get('events')
  @ApiOperation({ summary: 'The audit log across deployments' })
  @ApiQuery({ name: 'service', required: false })
  @ApiQuery({
    name: 'since',
    required: false,
    description: 'an ISO time, or the cursor of the previous page',
  })
  @ApiQuery({ name: 'limit', required: false })
  events(
    @Query('service') service?: string,
    @Query('since') since?: string,
    @Query('limit') limit?: string,
  ): Promise<AuditPage> {
    assertServiceName(service);
    const n = parseLimit(limit, 500, MAX_PAGE);
    return this.audit.events({
      limit: n,
      ...(service ? { service } : {}),
      ...(since !== undefined ? { since: parseSince(since) } : {}),
    });
  }
}

function parseSince(since: string): number | Date {
  // A cursor past what a stream sequence can be is a bad request, not an unreachable NATS.
  if (/^\d+$/.test(since) && Number.isSafeInteger(Number(since))) return Number(since);
  const time = new Date(since);
  if (Number.isNaN(time.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(since)) {
    throw new BadRequestException(
      'since must be an ISO-8601 time (2026-11-26T10:00:00Z) or a cursor number',
    );
  }
  return time;
}
