import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Deployment } from '@greenlight/contracts';
import { RequireRole } from '../auth/roles.decorator';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { assertDeploymentId, assertServiceName, parseLimit } from '../common/query.util';
import { DEPLOYMENT_ERRORS } from './deployments.constants';
import { DeploymentsService } from './deployments.service';
import { deployRequestJsonSchema } from './openapi.util';

const MAX_LIST = 200;

@ApiTags('deployments')
@ApiBearerAuth()
@RequireRole('viewer')
@Controller('v1/deployments')
export class DeploymentsController {
  constructor(private readonly deployments: DeploymentsService) {}

  @Post()
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({
    summary: 'Request a deployment of a release (the manifest, template content inline)',
  })
  @ApiBody({ schema: deployRequestJsonSchema() })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'a retry with the same key returns the same deployment',
  })
  @ApiResponse({ status: 202, description: 'accepted: { id, service, phase }' })
  @ApiResponse({ status: 400, description: 'invalid: { message, issues: [{ path, message }] }' })
  @ApiResponse({ status: 409, description: 'a deployment of that service is active' })
  async create(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1-200 visible ASCII characters');
    }
    const outcome = await this.deployments.request(body, {
      actor: principal.actor,
      idempotencyKey: idempotencyKey ? `rest:${principal.name}:${idempotencyKey}` : null,
      causationId: null,
    });
    switch (outcome.status) {
      case 'invalid':
        throw new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: DEPLOYMENT_ERRORS.invalidRequest,
          issues: outcome.issues,
        });
      case 'conflict':
        throw new ConflictException({
          statusCode: 409,
          error: 'Conflict',
          message: outcome.message,
          holder: outcome.holder.deploymentId,
        });
      case 'accepted':
        return summary(outcome.deployment, outcome.duplicate);
    }
  }

  @Get()
  @ApiOperation({ summary: 'Deployments, newest first' })
  async list(
    @Query('service') service?: string,
    @Query('limit') limit?: string,
    @Query('before') before?: string,
  ): Promise<{ items: Deployment[] }> {
    assertServiceName(service);
    if (before !== undefined) assertDeploymentId(before);
    const n = parseLimit(limit, 50, MAX_LIST);
    const items = await this.deployments.list({
      limit: n,
      ...(service ? { service } : {}),
      ...(before ? { before } : {}),
    });
    return { items };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One deployment: phase, weights, release, blue' })
  async get(@Param('id') id: string): Promise<Deployment> {
    assertDeploymentId(id);
    const deployment = await this.deployments.get(id);
    if (!deployment) throw new NotFoundException(DEPLOYMENT_ERRORS.notFound(id));
    return deployment;
  }
}

function summary(d: Deployment, duplicate: boolean) {
  return {
    id: d.id,
    service: d.service,
    version: d.request.release.version,
    phase: d.phase,
    duplicate,
    links: { self: `/v1/deployments/${d.id}`, events: `/v1/deployments/${d.id}/events` },
  };
}
