import { SetMetadata } from '@nestjs/common';
import { ROLES_KEY, type Role } from './auth.constants';

/** The least role a route needs; method-level overrides class-level. */
export const RequireRole = (role: Role): ClassDecorator & MethodDecorator =>
  SetMetadata(ROLES_KEY, role);
