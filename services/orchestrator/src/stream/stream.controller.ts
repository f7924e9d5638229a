import { Controller, Get, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRole } from '../auth/roles.decorator';
import { assertDeploymentId, assertServiceName } from '../common/query.util';
import { DEPLOYMENT_ERRORS } from '../deployments/deployments.constants';
import { DeploymentsService } from '../deployments/deployments.service';
import { DeploymentStreamService } from './deployment-stream.service';
import { SseChannel } from './sse.util';

const STREAM_DESCRIPTION =
  'text/event-stream. Events: `deployment` (the record, on connect and whenever it changes), ' +
  '`audit` (each audit-log envelope: history in sequence order, then live; `id:` is the envelope id), ' +
  '`live` (history has been sent). A `: ping` comment every 15 s.';

@ApiTags('stream')
@ApiBearerAuth()
@RequireRole('viewer')
@Controller('v1')
export class StreamController {
  constructor(
    private readonly deployments: DeploymentsService,
    private readonly streams: DeploymentStreamService,
  ) {}

  @Get('deployments/:id/stream')
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: 'Follow one deployment live (server-sent events)',
    description: STREAM_DESCRIPTION,
  })
  async deployment(@Param('id') id: string, @Res() res: Response): Promise<void> {
    assertDeploymentId(id);
    const record = await this.deployments.get(id);
    if (!record) throw new NotFoundException(DEPLOYMENT_ERRORS.notFound(id));
    await this.streams.follow(record, new SseChannel(res));
  }

  @Get('stream')
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'service', required: false })
  @ApiOperation({
    summary: 'Follow every deployment (server-sent events)',
    description:
      'Events: `deployments` ({ items }, the latest 200 at connect), then `deployment` (a record) whenever a deployment changes phase or takes an operator action.',
  })
  async all(@Query('service') service: string | undefined, @Res() res: Response): Promise<void> {
    assertServiceName(service);
    await this.streams.followAll(service, new SseChannel(res));
  }
}
