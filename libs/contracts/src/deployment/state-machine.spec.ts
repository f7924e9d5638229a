import {
  ACTIVE_PHASES,
  PAUSABLE_PHASES,
  PHASES,
  type Phase,
  TERMINAL_PHASES,
  isTerminal,
} from './phase.constants';
import {
  canPause,
  canResume,
  pausedAfter,
  transition,
  TRANSITIONS,
  TRIGGERS,
  type TransitionContext,
  type Trigger,
} from './state-machine';

const withBlue: TransitionContext = { hasBlue: true, remainingSteps: 2, paused: false };

/** What each (phase, trigger) pair must do with `withBlue`; anything absent must be refused. */
const EXPECTED: Partial<Record<Phase, Partial<Record<Trigger, Phase>>>> = {
  Requested: { start: 'Provisioning', abort: 'Aborted', fail: 'Failed' },
  Provisioning: { 'pool.provisioned': 'WarmingUp', abort: 'Aborted', fail: 'Failed' },
  WarmingUp: { 'pool.ready': 'Verifying', abort: 'Aborted', fail: 'Failed' },
  Verifying: {
    'verify.passed': 'Canary',
    'verify.failed': 'Aborted',
    abort: 'Aborted',
    fail: 'Failed',
  },
  Canary: {
    'step.passed': 'Ramping',
    'analysis.failed': 'RollingBack',
    promote: 'Promoted',
    rollback: 'RollingBack',
    abort: 'RollingBack',
    fail: 'Failed',
  },
  Ramping: {
    'step.passed': 'Ramping',
    'analysis.failed': 'RollingBack',
    promote: 'Promoted',
    rollback: 'RollingBack',
    abort: 'RollingBack',
    fail: 'Failed',
  },
  Promoted: {
    'promotion.confirmed': 'Draining',
    rollback: 'RollingBack',
    abort: 'RollingBack',
    fail: 'Failed',
  },
  Draining: {
    'drain.completed': 'Standby',
    rollback: 'RollingBack',
    abort: 'RollingBack',
    fail: 'Failed',
  },
  Standby: {
    'standby.expired': 'Completed',
    retire: 'Completed',
    rollback: 'RollingBack',
    abort: 'RollingBack',
    fail: 'Failed',
  },
  RollingBack: { 'rollback.completed': 'RolledBack', abort: 'Aborted', fail: 'Failed' },
};

const pairs = PHASES.flatMap((phase) => TRIGGERS.map((trigger) => [phase, trigger] as const));

describe('transition: every phase × trigger', () => {
  it.each(pairs)('%s + %s', (phase, trigger) => {
    const result = transition(phase, trigger, withBlue);
    const expected = EXPECTED[phase]?.[trigger];
    if (expected) {
      expect(result).toEqual({ ok: true, to: expected });
    } else {
      expect(result).toEqual({
        ok: false,
        reason: expect.stringContaining(`cannot '${trigger}' a deployment in phase ${phase}`),
      });
    }
  });

  it('covers the table exactly (no rule the expectations above do not know)', () => {
    for (const trigger of TRIGGERS) {
      const from = [...TRANSITIONS[trigger].from].sort();
      const expectedFrom = PHASES.filter((p) => EXPECTED[p]?.[trigger]).sort();
      expect({ trigger, from }).toEqual({ trigger, from: expectedFrom });
    }
  });
});

describe('transition: refusal reasons', () => {
  it('names the trigger and the phase', () => {
    expect(transition('Verifying', 'promote', withBlue)).toEqual({
      ok: false,
      reason: "cannot 'promote' a deployment in phase Verifying",
    });
  });

  it.each(TERMINAL_PHASES)('says a deployment in %s has ended', (phase) => {
    for (const trigger of TRIGGERS) {
      expect(transition(phase, trigger, withBlue)).toEqual({
        ok: false,
        reason: `cannot '${trigger}' a deployment in phase ${phase}: the deployment has ended`,
      });
    }
  });
});

describe('transition: guards', () => {
  it('sends a verified first deployment straight to Promoted (100 % at once)', () => {
    expect(transition('Verifying', 'verify.passed', { ...withBlue, hasBlue: false })).toEqual({
      ok: true,
      to: 'Promoted',
    });
    expect(transition('Verifying', 'verify.passed', { ...withBlue, hasBlue: true })).toEqual({
      ok: true,
      to: 'Canary',
    });
  });

  it.each(['Canary', 'Ramping'] as const)(
    'promotes from %s after the last step, ramps before it',
    (phase) => {
      expect(transition(phase, 'step.passed', { ...withBlue, remainingSteps: 1 })).toEqual({
        ok: true,
        to: 'Ramping',
      });
      expect(transition(phase, 'step.passed', { ...withBlue, remainingSteps: 0 })).toEqual({
        ok: true,
        to: 'Promoted',
      });
    },
  );

  it.each(['Canary', 'Ramping', 'Promoted', 'Draining', 'Standby'] as const)(
    'refuses to roll back from %s when there is no previous release',
    (phase) => {
      expect(transition(phase, 'rollback', { ...withBlue, hasBlue: false })).toEqual({
        ok: false,
        reason: `cannot 'rollback' a deployment in phase ${phase}: there is no previous release to roll back to`,
      });
      expect(transition(phase, 'rollback', withBlue)).toEqual({ ok: true, to: 'RollingBack' });
    },
  );

  it.each(ACTIVE_PHASES)(
    'lets an operator abort and a failure end %s even without blue',
    (phase) => {
      const ctx = { hasBlue: false, remainingSteps: 0, paused: false };
      expect(transition(phase, 'abort', ctx)).toEqual({ ok: true, to: 'Aborted' });
      expect(transition(phase, 'fail', ctx)).toEqual({ ok: true, to: 'Failed' });
    },
  );
});

describe('abort', () => {
  it.each(['Canary', 'Ramping', 'Promoted', 'Draining', 'Standby'] as const)(
    'from %s with a blue gives blue its traffic back first, then ends as Aborted',
    (phase) => {
      expect(transition(phase, 'abort', withBlue)).toEqual({ ok: true, to: 'RollingBack' });
      expect(
        transition('RollingBack', 'rollback.completed', { ...withBlue, aborting: true }),
      ).toEqual({ ok: true, to: 'Aborted' });
      expect(transition('RollingBack', 'rollback.completed', withBlue)).toEqual({
        ok: true,
        to: 'RolledBack',
      });
    },
  );

  it.each(['Requested', 'Provisioning', 'WarmingUp', 'Verifying', 'RollingBack'] as const)(
    'from %s ends at once: green never served anyone, or blue already has it all',
    (phase) => {
      expect(transition(phase, 'abort', withBlue)).toEqual({ ok: true, to: 'Aborted' });
    },
  );
});

describe('promotion confirmed', () => {
  it('drains blue when there is one, completes a first deployment at once', () => {
    expect(transition('Promoted', 'promotion.confirmed', withBlue)).toEqual({
      ok: true,
      to: 'Draining',
    });
    expect(transition('Promoted', 'promotion.confirmed', { ...withBlue, hasBlue: false })).toEqual({
      ok: true,
      to: 'Completed',
    });
  });
});

describe('paused deployments', () => {
  const paused = { ...withBlue, paused: true };

  it.each([
    ['Canary', 'step.passed'],
    ['Ramping', 'step.passed'],
    ['Standby', 'standby.expired'],
  ] as const)('stop the clock: %s refuses %s', (phase, trigger) => {
    expect(transition(phase, trigger, paused)).toEqual({
      ok: false,
      reason: `cannot '${trigger}' a deployment in phase ${phase}: it is paused (resume it first)`,
    });
  });

  it.each([
    ['Canary', 'promote', 'Promoted'],
    ['Ramping', 'rollback', 'RollingBack'],
    ['Standby', 'rollback', 'RollingBack'],
    ['Canary', 'abort', 'RollingBack'],
    ['Ramping', 'analysis.failed', 'RollingBack'],
    ['Standby', 'fail', 'Failed'],
    ['Standby', 'retire', 'Completed'],
  ] as const)('still accept manual actions and failures: %s + %s -> %s', (phase, trigger, to) => {
    expect(transition(phase, trigger, paused)).toEqual({ ok: true, to });
  });

  it.each(PHASES)('pause/resume in %s', (phase) => {
    const pausable = (PAUSABLE_PHASES as readonly Phase[]).includes(phase);
    expect(canPause(phase, false)).toBe(pausable);
    expect(canPause(phase, true)).toBe(false);
    expect(canResume(phase, true)).toBe(pausable);
    expect(canResume(phase, false)).toBe(false);
  });

  it('drops the flag when the deployment leaves a pausable phase', () => {
    expect(pausedAfter('Promoted', true)).toBe(false);
    expect(pausedAfter('Ramping', true)).toBe(true);
    expect(pausedAfter('Ramping', false)).toBe(false);
  });
});

describe('phase sets', () => {
  it('splits every phase into exactly one of active or terminal', () => {
    expect([...ACTIVE_PHASES, ...TERMINAL_PHASES].sort()).toEqual([...PHASES].sort());
    expect(ACTIVE_PHASES.some(isTerminal)).toBe(false);
  });
});
