import {
  ACTIVE_PHASES,
  carriesTraffic,
  isPausable,
  isTerminal,
  type Phase,
} from './phase.constants';

export const TRIGGERS = [
  'start',
  'pool.provisioned',
  'pool.ready',
  'verify.passed',
  'verify.failed',
  'step.passed',
  'analysis.failed',
  'promote',
  'promotion.confirmed',
  'drain.completed',
  'standby.expired',
  'retire',
  'rollback',
  'rollback.completed',
  'abort',
  'fail',
] as const;

export type Trigger = (typeof TRIGGERS)[number];

export interface TransitionContext {
  /** A previous release serves the service (false on its first deployment). */
  hasBlue: boolean;
  /** Canary/ramp steps still ahead after the one that just passed. */
  remainingSteps: number;
  paused: boolean;
  /** An operator aborted while green carried traffic: the rollback it started ends as Aborted. */
  aborting?: boolean;
}

/**
 * Conditions a target may depend on. `greenServes`: green may carry user traffic in the phase
 * being left and there is a blue to give it back to, so the split must be undone first.
 */
export type TransitionCondition = 'hasBlue' | 'remainingSteps' | 'aborting' | 'greenServes';

/** Where a trigger leads: a fixed phase, or one of two depending on the context. */
export type TransitionTarget =
  Phase | { readonly if: TransitionCondition; readonly then: Phase; readonly else: Phase };

export interface TransitionRule {
  readonly from: readonly Phase[];
  readonly to: TransitionTarget;
  /** Refused unless there is a blue release to go back to. */
  readonly requiresBlue?: true;
  /** Driven by a timer, so stopped while the deployment is paused. */
  readonly clock?: true;
}

export const TRANSITIONS = {
  start: { from: ['Requested'], to: 'Provisioning' },
  'pool.provisioned': { from: ['Provisioning'], to: 'WarmingUp' },
  'pool.ready': { from: ['WarmingUp'], to: 'Verifying' },
  // The first deployment has nothing to compare against: it takes 100 % at once.
  'verify.passed': { from: ['Verifying'], to: { if: 'hasBlue', then: 'Canary', else: 'Promoted' } },
  'verify.failed': { from: ['Verifying'], to: 'Aborted' },
  'step.passed': {
    from: ['Canary', 'Ramping'],
    to: { if: 'remainingSteps', then: 'Ramping', else: 'Promoted' },
    clock: true,
  },
  'analysis.failed': { from: ['Canary', 'Ramping'], to: 'RollingBack' },
  promote: { from: ['Canary', 'Ramping'], to: 'Promoted' },
  // Blue at 0 % is confirmed: drain it, or finish at once when there is no blue.
  'promotion.confirmed': {
    from: ['Promoted'],
    to: { if: 'hasBlue', then: 'Draining', else: 'Completed' },
  },
  'drain.completed': { from: ['Draining'], to: 'Standby' },
  'standby.expired': { from: ['Standby'], to: 'Completed', clock: true },
  // A new deployment of the service replaces the standby pool.
  retire: { from: ['Standby'], to: 'Completed' },
  rollback: {
    from: ['Canary', 'Ramping', 'Promoted', 'Draining', 'Standby'],
    to: 'RollingBack',
    requiresBlue: true,
  },
  'rollback.completed': {
    from: ['RollingBack'],
    to: { if: 'aborting', then: 'Aborted', else: 'RolledBack' },
  },
  // Aborting while green serves users first gives blue its traffic back (no request dropped).
  abort: { from: ACTIVE_PHASES, to: { if: 'greenServes', then: 'RollingBack', else: 'Aborted' } },
  fail: { from: ACTIVE_PHASES, to: 'Failed' },
} as const satisfies Record<Trigger, TransitionRule>;

export const TRANSITION_ERRORS = {
  notAllowed: (trigger: Trigger, from: Phase) =>
    `cannot '${trigger}' a deployment in phase ${from}`,
  ended: (trigger: Trigger, from: Phase) =>
    `cannot '${trigger}' a deployment in phase ${from}: the deployment has ended`,
  paused: (trigger: Trigger, from: Phase) =>
    `cannot '${trigger}' a deployment in phase ${from}: it is paused (resume it first)`,
  noBlue: (trigger: Trigger, from: Phase) =>
    `cannot '${trigger}' a deployment in phase ${from}: there is no previous release to roll back to`,
} as const;

export type TransitionResult = { ok: true; to: Phase } | { ok: false; reason: string };

function holds(condition: TransitionCondition, from: Phase, ctx: TransitionContext): boolean {
  switch (condition) {
    case 'hasBlue':
      return ctx.hasBlue;
    case 'remainingSteps':
      return ctx.remainingSteps > 0;
    case 'aborting':
      return ctx.aborting === true;
    case 'greenServes':
      return ctx.hasBlue && carriesTraffic(from);
  }
}

function resolveTarget(target: TransitionTarget, from: Phase, ctx: TransitionContext): Phase {
  if (typeof target === 'string') return target;
  return holds(target.if, from, ctx) ? target.then : target.else;
}

/** The only place that decides whether a deployment may move, and where to. Pure. */
export function transition(
  from: Phase,
  trigger: Trigger,
  ctx: TransitionContext,
): TransitionResult {
  const rule: TransitionRule = TRANSITIONS[trigger];
  if (isTerminal(from)) return { ok: false, reason: TRANSITION_ERRORS.ended(trigger, from) };
  if (!rule.from.includes(from))
    return { ok: false, reason: TRANSITION_ERRORS.notAllowed(trigger, from) };
  if (rule.clock && ctx.paused)
    return { ok: false, reason: TRANSITION_ERRORS.paused(trigger, from) };
  if (rule.requiresBlue && !ctx.hasBlue)
    return { ok: false, reason: TRANSITION_ERRORS.noBlue(trigger, from) };
  return { ok: true, to: resolveTarget(rule.to, from, ctx) };
}

/** Triggers that `from` accepts at all (ignoring guards); handy for dashboards and CLI hints. */
export function triggersFrom(from: Phase): Trigger[] {
  return TRIGGERS.filter((trigger) => (TRANSITIONS[trigger] as TransitionRule).from.includes(from));
}

export function canPause(phase: Phase, paused: boolean): boolean {
  return !paused && isPausable(phase);
}

export function canResume(phase: Phase, paused: boolean): boolean {
  return paused && isPausable(phase);
}

/** The pause flag only means something on a pausable phase; leaving one clears it. */
export function pausedAfter(to: Phase, paused: boolean): boolean {
  return paused && isPausable(to);
}
