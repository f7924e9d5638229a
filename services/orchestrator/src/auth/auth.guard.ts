import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE } from '@greenlight/telemetry';
import { AUTH_CHALLENGE, AUTH_ERRORS, ROLE_RANK, ROLES_KEY, type Role } from './auth.constants';
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

    const http = context.switchToHttp();
    const request = http.getRequest<
      AuthenticatedRequest & { headers: Record<string, string | undefined> }
    >();
    const unauthorized = (message: string): UnauthorizedException => {
      http
        .getResponse<{ setHeader(name: string, value: string): void }>()
        .setHeader('WWW-Authenticate', AUTH_CHALLENGE);
      return new UnauthorizedException(message);
    };
    const header = request.headers['authorization'];
    if (header === undefined || header.trim() === '') throw unauthorized(AUTH_ERRORS.missing);
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match?.[1]) throw unauthorized(AUTH_ERRORS.malformed);
    const principal = this.tokens.resolve(match[1]);
    if (!principal) throw unauthorized(AUTH_ERRORS.unknown);
    if (ROLE_RANK[principal.role] < ROLE_RANK[needed]) {
      throw new ForbiddenException(AUTH_ERRORS.forbidden(needed, principal.role));
    }
    request.principal = principal;
    return true;
  }
}
