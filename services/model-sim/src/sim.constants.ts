/** Injection token of the validated SimOptions. */
export const SIM_OPTIONS = Symbol('SIM_OPTIONS');

/** What GET /version reports: the vLLM release the simulator mimics. */
export const SIM_ENGINE_VERSION = '0.11.0-sim';

export const SIM_HEADERS = {
  version: 'x-sim-version',
  replica: 'x-sim-replica',
} as const;

export const SIM_NAME = 'greenlight-sim';
