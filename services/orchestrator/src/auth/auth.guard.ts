import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE } from '@greenlight/telemetry';
import { AUTH_ERRORS, ROLE_RANK, ROLES_KEY, type Role } from './auth.constants';
import type { AuthenticatedRequest } from './principal';
import { TokenRegistry } from './token-registry.service';

/** Every HTTP route needs a token unless marked @Public(); viewer unless it asks for more. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenRegistry,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const needed = this.reflector.getAllAndOverride<Role>(ROLES_KEY, targets) ?? 'viewer';

    const request = context
      .switchToHttp()
      .getRequest<AuthenticatedRequest & { headers: Record<string, string | undefined> }>();
    const header = request.headers['authorization'] ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedException(AUTH_ERRORS.missing);
    const principal = this.tokens.resolve(match[1]);
    if (!principal) throw new UnauthorizedException(AUTH_ERRORS.unknown);
    if (ROLE_RANK[principal.role] < ROLE_RANK[needed]) {
      throw new ForbiddenException(AUTH_ERRORS.forbidden(needed, principal.role));
    }
    request.principal = principal;
    return true;
  }
}
