import {
  Body,
  ConflictException,
  Controller,
  HttpCode,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.decorator';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { assertDeploymentId } from '../common/query.util';
import { DEPLOYMENT_ERRORS } from '../deployments/deployments.constants';
import { ControlService } from './control.service';

@ApiTags('deployments')
@ApiBearerAuth()
@RequireRole('operator')
@Controller('v1/deployments/:id')
export class ControlController {
  constructor(private readonly control: ControlService) {}

  @Post('rollback')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Send every new request to blue at once (a routing change; green keeps finishing what it started), then stop green',
  })
  @ApiResponse({ status: 202, description: 'rolling back: { id, phase }' })
  @ApiResponse({ status: 409, description: 'this phase cannot roll back (no blue, or ended)' })
  async rollback(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ) {
    assertDeploymentId(id);
    const outcome = await this.control.rollback(id, principal.actor, reasonOf(body));
    if (outcome.status === 'refused') {
      if (!outcome.deployment) throw new NotFoundException(DEPLOYMENT_ERRORS.notFound(id));
      throw new ConflictException({ statusCode: 409, error: 'Conflict', message: outcome.reason });
    }
    return { id, phase: outcome.deployment.phase };
  }
}

/** An optional `{ "reason": "..." }` body; anything else is ignored rather than refused. */
function reasonOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'reason' in body) {
    const { reason } = body;
    if (typeof reason === 'string' && reason.trim()) return reason.trim().slice(0, 500);
  }
  return undefined;
}
