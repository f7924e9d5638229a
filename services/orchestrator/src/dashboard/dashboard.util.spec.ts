import { PHASES } from '@greenlight/contracts';
import { controlRuleKey, controlRules, renderPage, dashboardBootstrap } from './dashboard.util';
import { RULES_PLACEHOLDER } from './dashboard.constants';

describe('controlRules: the buttons the dashboard enables, from the state machine', () => {
  const rules = controlRules();
  const buttons = (phase: (typeof PHASES)[number], hasBlue = true, paused = false) =>
    rules[controlRuleKey(phase, hasBlue, paused)];

  it.each([
    ['Verifying', true, false, ['abort']],
    ['Canary', true, false, ['promote', 'pause', 'abort', 'rollback']],
    ['Canary', true, true, ['promote', 'resume', 'abort', 'rollback']],
    ['Ramping', false, false, ['promote', 'pause', 'abort']],
    ['Promoted', true, false, ['abort', 'rollback']],
    ['Standby', true, false, ['pause', 'abort', 'rollback']],
    ['RollingBack', true, false, ['abort']],
    ['Completed', true, false, ['rollback']],
    ['Completed', false, false, []],
    ['RolledBack', true, false, []],
    ['Aborted', true, false, []],
  ] as const)('%s (blue: %s, paused: %s) → %j', (phase, hasBlue, paused, expected) => {
    expect(buttons(phase, hasBlue, paused)).toEqual(expected);
  });

  it('has an entry for every phase, with and without blue, paused or not', () => {
    expect(Object.keys(rules)).toHaveLength(PHASES.length * 4);
  });
});

describe('renderPage', () => {
  it('inlines the bootstrap as JSON that a string holding </script> cannot break out of', () => {
    const page = renderPage(`<script type="application/json">${RULES_PLACEHOLDER}</script>`, {
      ...dashboardBootstrap(),
      phases: ['</script><script>alert(1)</script>' as never],
    });
    expect(page.match(/<\/script>/g)).toHaveLength(1);
    const json = /<script type="application\/json">(.*)<\/script>/.exec(page)?.[1] ?? '';
    expect((JSON.parse(json) as { phases: string[] }).phases[0]).toBe(
      '</script><script>alert(1)</script>',
    );
  });
});
