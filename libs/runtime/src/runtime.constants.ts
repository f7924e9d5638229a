/** The service's validated configuration object (read once at start). */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
