import { audit, at, ID, record, successfulDeploy, T0 } from './watch.fixture';
import { initialWatchState, reduceWatch, type WatchInput, type WatchState } from './watch.reducer';
import {
  finalLine,
  formatSpan,
  jsonLine,
  plainLine,
  progressBar,
  progressLine,
  renderFrame,
} from './watch.renderer';

/** What `greenlight watch` prints when stdout is not a terminal, input by input. */
function plain(inputs: readonly WatchInput[]): { lines: string[]; state: WatchState } {
  let state = initialWatchState(ID);
  const lines: string[] = [];
  for (const input of inputs) {
    const before = state;
    state = reduceWatch(state, input);
    const line = plainLine(before, state, input);
    if (line !== null) lines.push(line);
  }
  return { lines, state };
}

function until(inputs: WatchInput[], type: string, nth = 1): WatchInput[] {
  let seen = 0;
  const index = inputs.findIndex(
    (input) => input.kind === 'audit' && input.envelope.type === type && ++seen === nth,
  );
  return inputs.slice(0, index + 1);
}

describe('plain output (not a TTY): one line per event', () => {
  it('prints every phase with what the previous one took, the weights, readiness, eval, analysis and drain', () => {
    const { lines, state } = plain(successfulDeploy());

    expect([...lines, finalLine(state, state.lastAt!)]).toEqual([
      '12:00:00  Requested     deploy requested (by user:alice)',
      '12:00:00  Provisioning  Requested took 0.1s; starting the green pool',
      '12:00:00  Provisioning  green pool started: 2 replicas of v2',
      '12:00:00  WarmingUp     Provisioning took 0.6s; 2 green replicas started; waiting for readiness',
      '12:00:01  WarmingUp     replica 1 ready (1/2)',
      '12:00:01  WarmingUp     replica 0 ready (2/2)',
      '12:00:02  WarmingUp     green pool ready: 2 replica(s)',
      '12:00:02  Verifying     WarmingUp took 1.4s; every green replica is ready (2); verifying before any user traffic',
      '12:00:05  Verifying     eval passed: pass rate 1.00 (blue 0.98)',
      '12:00:05  Canary        Verifying took 3.0s; step 1/2: 20 % green, bake 4.0s; green verified: pass rate 1.00 (blue 0.98)',
      '12:00:05  Canary        weights blue v1 80 % / green v2 20 % (routing v3 applied)',
      '12:00:07  Canary        analysis step 1: pass (green 30 req, blue 120 req), errorRate 0.00 % vs 0.10 %, ttftP95 120 ms vs 118 ms',
      '12:00:09  Ramping       Canary took 4.3s; step 2/2: 100 % green; step 1 (20 % green) passed analysis',
      '12:00:09  Ramping       weights blue v1 0 % / green v2 100 % (routing v4 applied)',
      '12:00:09  Promoted      Ramping took 0.2s; step 2 (100 % green) baked 0 s',
      '12:00:09  Draining      Promoted took 0.1s; green takes 100 % (confirmed by the data plane)',
      '12:00:10  Draining      draining blue v1: 4 in flight (2 streaming) after 0.3s',
      '12:00:10  Draining      draining blue v1: 1 in flight (1 streaming) after 0.8s',
      '12:00:11  Draining      blue drained in 1.3s',
      '12:00:11  Standby       Draining took 1.4s; blue has nothing in flight (drained in 1.3 s); blue stays warm in standby',
      '12:01:11  Completed     Standby took 1m00s; standby window of 1m is over; retiring blue',
      `deployment ${ID} Completed after 1m11s`,
    ]);
    expect(lines.join('\n')).not.toContain('\u001b');
  });

  it('says who paused, and when a live record shows the bake was extended', () => {
    const canary = until(successfulDeploy(), 'traffic.shifted');
    const extended = record({
      phase: 'Canary',
      stepIndex: 0,
      updatedAt: at(9_300),
      analysis: { step: 0, verdict: 'inconclusive', extensions: 1, reasons: ['12 of 50 samples'] },
    });

    const { lines } = plain([
      ...canary,
      { kind: 'live' },
      audit(
        6_000,
        'deployment.control',
        { action: 'pause', accepted: true, reason: 'lunch' },
        'user:bob',
      ),
      { kind: 'deployment', record: extended },
      { kind: 'deployment', record: extended },
    ]);

    expect(lines.slice(-2)).toEqual([
      '12:00:06  Canary        pause (by user:bob): lunch',
      '12:00:09  Canary        step 1: analysis inconclusive, bake extended (1/3): 12 of 50 samples',
    ]);
  });

  it('ends a failed deployment with its reason', () => {
    const { state } = plain([
      ...until(successfulDeploy(), 'traffic.shifted'),
      audit(6_000, 'deployment.phase_changed', {
        from: 'Canary',
        to: 'RollingBack',
        reason: 'canary analysis failed at step 1: errorRate 9 %',
        actor: 'system:health-prober',
      }),
      audit(6_400, 'deployment.phase_changed', {
        from: 'RollingBack',
        to: 'RolledBack',
        reason: 'blue takes 100 % again (routing version 5 confirmed)',
        actor: 'system:orchestrator',
      }),
    ]);

    expect(finalLine(state, state.lastAt!)).toBe(
      `deployment ${ID} RolledBack after 6.4s: blue takes 100 % again (routing version 5 confirmed)`,
    );
  });
});

describe('progress of the current phase', () => {
  it('bars the bake: elapsed of the step’s bake', () => {
    const { state } = plain(until(successfulDeploy(), 'traffic.shifted'));

    expect(progressLine(state, T0 + 6_300)).toBe(
      `step 1/2: 20 % green, bake 4.0s\nbake      ${progressBar(0.25)} 1.0s / 4.0s`,
    );
  });

  it('bars the drain: in-flight requests falling', () => {
    const { state } = plain(until(successfulDeploy(), 'drain.progress', 2));

    expect(progressLine(state, T0 + 10_600)).toBe(
      `in flight ${progressBar(0.75)} 1 left of 4 (1 streaming), 0.8s of 30s`,
    );
  });

  it('draws bars of a fixed width', () => {
    expect(progressBar(0.5, 10)).toBe('█████░░░░░');
    expect(progressBar(2, 4)).toBe('████');
    expect(progressBar(Number.NaN, 4)).toBe('░░░░');
  });

  it('formats spans compactly', () => {
    expect([400, 9_950, 42_000, 302_000, 3_900_000].map(formatSpan)).toEqual([
      '0.4s',
      '9.9s',
      '42s',
      '5m02s',
      '1h05m',
    ]);
  });
});

describe('TTY frame', () => {
  it('shows the header, weights, the ticking timeline, the bake and the analysis table', () => {
    const { state } = plain(until(successfulDeploy(), 'analysis.completed'));

    const frame = renderFrame(state, T0 + 8_300, ['one recent line']);

    expect(frame).toEqual([
      `chat  ${ID}  v1 → v2  Canary  (catching up)`,
      `weights   ${progressBar(0.2)} blue v1 80 % / green v2 20 %`,
      '',
      '   PHASE         STARTED   TOOK',
      '✓  Requested     12:00:00  0.1s',
      '✓  Provisioning  12:00:00  0.6s',
      '✓  WarmingUp     12:00:00  1.4s',
      '✓  Verifying     12:00:02  3.0s',
      '▶  Canary        12:00:05  3.2s…',
      '',
      'step 1/2: 20 % green, bake 4.0s',
      `bake      ${progressBar(0.75)} 3.0s / 4.0s`,
      '',
      'canary analysis, step 1: pass (at 12:00:07)',
      '  METRIC     GREEN   BLUE',
      '  errorRate  0.00 %  0.10 %',
      '  ttftP95    120 ms  118 ms',
      '  samples    30      120',
      '',
      'recent',
      '  one recent line',
    ]);
  });
});

describe('--json', () => {
  it('prints each stream event as one JSON object on one line', () => {
    const input = successfulDeploy()[1]!;

    const line = jsonLine(input);

    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      event: 'audit',
      data: expect.objectContaining({ type: 'deployment.phase_changed', at: at(0) }),
    });
    expect(JSON.parse(jsonLine({ kind: 'live' }))).toEqual({ event: 'live' });
  });
});
