/** Injection token: the cache-manager's validated config. */
export const CACHE_MANAGER_CONFIG = Symbol('CACHE_MANAGER_CONFIG');
