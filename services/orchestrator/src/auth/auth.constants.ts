export const ROLES_KEY = 'greenlight:roles';

export const ROLE_RANK = { viewer: 1, operator: 2 } as const;
export type Role = keyof typeof ROLE_RANK;

export const AUTH_ERRORS = {
  missing: 'missing bearer token: send Authorization: Bearer <token>',
  malformed: 'malformed Authorization header: expected "Bearer <token>" (one token, no spaces)',
  unknown: 'unknown or revoked token',
  forbidden: (needed: Role, had: Role) =>
    `this action needs the ${needed} role; the token has ${had}`,
} as const;

/** Sent with every 401, as RFC 6750 asks, so clients know which scheme to use. */
export const AUTH_CHALLENGE = 'Bearer realm="greenlight"';
