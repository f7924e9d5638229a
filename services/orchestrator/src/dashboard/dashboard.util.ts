import {
  canPause,
  canResume,
  CONTROL_ACTIONS,
  PHASES,
  TERMINAL_PHASES,
  transition,
  type ControlAction,
  type Phase,
  type TransitionContext,
} from '@greenlight/contracts';
import { RULES_PLACEHOLDER } from './dashboard.constants';

/** What the page needs to know of the state machine; it decides nothing on its own. */
export interface DashboardBootstrap {
  phases: readonly Phase[];
  terminal: readonly Phase[];
  /** Buttons enabled for a record, keyed by `controlRuleKey(phase, hasBlue, paused)`. */
  actions: Record<string, ControlAction[]>;
}

/** The record facts the state machine's guards read: its phase, a blue to go back to, the pause flag. */
export function controlRuleKey(phase: Phase, hasBlue: boolean, paused: boolean): string {
  return `${phase}|${hasBlue ? 'blue' : 'no-blue'}|${paused ? 'paused' : 'running'}`;
}

function allowed(action: ControlAction, phase: Phase, ctx: TransitionContext): boolean {
  switch (action) {
    case 'pause':
      return canPause(phase, ctx.paused);
    case 'resume':
      return canResume(phase, ctx.paused);
    case 'rollback':
      // A Completed deployment rolls back by redeploying its previous release (ControlService).
      return phase === 'Completed' ? ctx.hasBlue : transition(phase, 'rollback', ctx).ok;
    case 'promote':
    case 'abort':
      return transition(phase, action, ctx).ok;
  }
}

/** Every (phase, has blue, paused) combination → the operator actions the orchestrator accepts. */
export function controlRules(): Record<string, ControlAction[]> {
  const rules: Record<string, ControlAction[]> = {};
  for (const phase of PHASES) {
    for (const hasBlue of [true, false]) {
      for (const paused of [true, false]) {
        // remainingSteps does not decide whether an operator action is taken, only where it leads.
        const ctx: TransitionContext = { hasBlue, paused, remainingSteps: 1 };
        rules[controlRuleKey(phase, hasBlue, paused)] = CONTROL_ACTIONS.filter((action) =>
          allowed(action, phase, ctx),
        );
      }
    }
  }
  return rules;
}

export function dashboardBootstrap(): DashboardBootstrap {
  return { phases: PHASES, terminal: TERMINAL_PHASES, actions: controlRules() };
}

/** The page with its bootstrap data inlined as JSON a `</script>` inside a string cannot end. */
export function renderPage(template: string, bootstrap: DashboardBootstrap): string {
  const json = JSON.stringify(bootstrap).replace(/</g, '\\u003c');
  return template.replace(RULES_PLACEHOLDER, () => json);
}
