import {
  Controller,
  Get,
  NotFoundException,
  Param,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RoutingTable } from '@greenlight/contracts';
import { RequireRole } from '../auth/roles.decorator';
import { assertServiceName } from '../common/query.util';
import { ROUTES_ERRORS, RoutesService } from './routes.service';

@ApiTags('routes')
@ApiBearerAuth()
@RequireRole('viewer')
@Controller('v1/services/:service/routes')
export class RoutesController {
  constructor(private readonly routes: RoutesService) {}

  @Get()
  @ApiOperation({
    summary: "The service's routing table in force: version, pools, weights, affinity",
  })
  async get(@Param('service') service: string): Promise<RoutingTable> {
    assertServiceName(service);
    const outcome = await this.routes.get(service);
    if (outcome.status === 'unavailable')
      throw new ServiceUnavailableException(ROUTES_ERRORS.unavailable);
    if (outcome.status === 'missing') throw new NotFoundException(ROUTES_ERRORS.missing(service));
    return outcome.table;
  }
}
