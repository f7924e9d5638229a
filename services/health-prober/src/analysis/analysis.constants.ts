import type { CommandMessage } from '@greenlight/contracts';

/** analysis.start as the prober receives it. */
export type AnalysisCommand = CommandMessage<'analysis.start'>;

/** Who the prober's analysis events name as their actor. */
export const ANALYSIS_ACTOR = 'system:health-prober';

/** Looks closer together than this would judge the same data twice. */
export const MIN_INTERVAL_MS = 1_000;

/** How many deployments' latest phase sequence to remember, so a late analysis stops at once. */
export const PHASES_REMEMBERED = 1_000;

export const HEALTH_PATH = '/health';

/** Why an analysis run stopped before its last look. */
export const ANALYSIS_STOPS = {
  stepLeft: 'the deployment left the step',
  shutdown: 'health-prober is shutting down',
} as const;

export const ANALYSIS_ERRORS = {
  healthStatus: (status: number) => `/health answered ${status}`,
  healthTimeout: (ms: number) => `/health did not answer within ${ms} ms`,
} as const;

/** Injection tokens. */
export const ANALYSIS_SETTINGS = Symbol('ANALYSIS_SETTINGS');
export const ANALYSIS_TRANSPORT_FACTORY = Symbol('ANALYSIS_TRANSPORT_FACTORY');
