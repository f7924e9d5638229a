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
import type { ControlAction } from '@greenlight/contracts';
import { RequireRole } from '../auth/roles.decorator';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { assertDeploymentId } from '../common/query.util';
import { DEPLOYMENT_ERRORS } from '../deployments/deployments.constants';
import { ControlService, type ControlOutcome } from './control.service';

@ApiTags('deployments')
@ApiBearerAuth()
@RequireRole('operator')
@Controller('v1/deployments/:id')
export class ControlController {
  constructor(private readonly control: ControlService) {}

  @Post('promote')
  @HttpCode(202)
  @ApiOperation({ summary: 'Skip the remaining canary/ramp steps: green takes 100 % now' })
  @ApiResponse({ status: 202, description: '{ id, phase, paused }' })
  @ApiResponse({ status: 409, description: 'not in Canary or Ramping' })
  promote(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() p: Principal) {
    return this.act(id, 'promote', body, p);
  }

  @Post('pause')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Stop the clock of Canary, Ramping or Standby (bake / standby window); analysis keeps watching',
  })
  @ApiResponse({ status: 202, description: '{ id, phase, paused: true }' })
  @ApiResponse({ status: 409, description: 'no clock to stop, or already paused' })
  pause(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() p: Principal) {
    return this.act(id, 'pause', body, p);
  }

  @Post('resume')
  @HttpCode(202)
  @ApiOperation({ summary: 'Restart the clock with what was left of it' })
  @ApiResponse({ status: 202, description: '{ id, phase, paused: false }' })
  @ApiResponse({ status: 409, description: 'not paused' })
  resume(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() p: Principal) {
    return this.act(id, 'resume', body, p);
  }

  @Post('abort')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'End the deployment: green is stopped; if green carried traffic, blue takes it all back first',
  })
  @ApiResponse({ status: 202, description: '{ id, phase }' })
  @ApiResponse({ status: 409, description: 'the deployment has ended' })
  abort(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() p: Principal) {
    return this.act(id, 'abort', body, p);
  }

  @Post('rollback')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Send every new request to blue at once (a routing change; green keeps finishing what it started), then stop green. On a Completed deployment: redeploy its previous release as a new deployment',
  })
  @ApiResponse({
    status: 202,
    description:
      'rolling back: { id, phase }; or redeploying: { id, phase, redeployment: { id, phase } }',
  })
  @ApiResponse({ status: 409, description: 'this phase cannot roll back (no blue, or ended)' })
  rollback(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() p: Principal) {
    return this.act(id, 'rollback', body, p);
  }

  private async act(id: string, action: ControlAction, body: unknown, principal: Principal) {
    assertDeploymentId(id);
    const outcome: ControlOutcome = await this.control.apply(
      id,
      action,
      principal.actor,
      reasonOf(body),
    );
    switch (outcome.status) {
      case 'refused':
        if (!outcome.deployment) throw new NotFoundException(DEPLOYMENT_ERRORS.notFound(id));
        throw new ConflictException({
          statusCode: 409,
          error: 'Conflict',
          message: outcome.reason,
        });
      case 'accepted':
        return { id, phase: outcome.deployment.phase, paused: outcome.deployment.paused };
      case 'redeploying':
        return {
          id,
          phase: outcome.deployment.phase,
          paused: outcome.deployment.paused,
          redeployment: { id: outcome.created.id, phase: outcome.created.phase },
        };
    }
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
