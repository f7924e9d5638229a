import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from './auth.constants';

export interface Principal {
  name: string;
  role: Role;
  /** How the audit log names this caller. */
  actor: string;
}

export interface AuthenticatedRequest {
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => {
    const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
    return principal;
  },
);
