export const PHASES = [
  'Requested',
  'Provisioning',
  'WarmingUp',
  'Verifying',
  'Canary',
  'Ramping',
  'Promoted',
  'Draining',
  'Standby',
  'Completed',
  'RollingBack',
  'RolledBack',
  'Failed',
  'Aborted',
] as const;

export type Phase = (typeof PHASES)[number];

export const TERMINAL_PHASES = [
  'Completed',
  'RolledBack',
  'Failed',
  'Aborted',
] as const satisfies readonly Phase[];

/** Every phase that has not ended; one such deployment per service at a time. */
export const ACTIVE_PHASES = PHASES.filter(
  (phase): phase is Exclude<Phase, (typeof TERMINAL_PHASES)[number]> =>
    !(TERMINAL_PHASES as readonly Phase[]).includes(phase),
);

/** Phases whose clock (bake, standby window) can be stopped. */
export const PAUSABLE_PHASES = ['Canary', 'Ramping', 'Standby'] as const satisfies readonly Phase[];

/** Phases in which green may carry user traffic. */
export const TRAFFIC_PHASES = [
  'Canary',
  'Ramping',
  'Promoted',
  'Draining',
  'Standby',
] as const satisfies readonly Phase[];

export function isTerminal(phase: Phase): boolean {
  return (TERMINAL_PHASES as readonly Phase[]).includes(phase);
}

export function isActive(phase: Phase): boolean {
  return !isTerminal(phase);
}

export function isPausable(phase: Phase): boolean {
  return (PAUSABLE_PHASES as readonly Phase[]).includes(phase);
}

export function carriesTraffic(phase: Phase): boolean {
  return (TRAFFIC_PHASES as readonly Phase[]).includes(phase);
}
