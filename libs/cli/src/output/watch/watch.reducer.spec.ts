import { WATCH_EXIT } from './watch.constants';
import { audit, ID, phase, record, successfulDeploy, T0, at } from './watch.fixture';
import {
  bakeBudget,
  clockElapsed,
  currentPhase,
  initialWatchState,
  reduceWatch,
  watchOutcome,
  type WatchInput,
  type WatchState,
} from './watch.reducer';

function replay(
  inputs: readonly WatchInput[],
  from: WatchState = initialWatchState(ID),
): WatchState {
  return inputs.reduce(reduceWatch, from);
}

/** Up to (and including) the first input that satisfies `stop`. */
function upTo(inputs: WatchInput[], stop: (input: WatchInput) => boolean): WatchInput[] {
  const index = inputs.findIndex(stop);
  return inputs.slice(0, index + 1);
}

const isShift = (green: number) => (input: WatchInput) =>
  input.kind === 'audit' &&
  input.envelope.type === 'traffic.shifted' &&
  (input.envelope.data as { weights: { green: number } }).weights.green === green;

describe('reduceWatch: events → what `greenlight watch` shows', () => {
  it('builds the phase timeline in order, each phase with its start time', () => {
    const state = replay(successfulDeploy());

    expect(state.timeline.map((span) => [span.phase, span.at - T0])).toEqual([
      ['Requested', 0],
      ['Provisioning', 100],
      ['WarmingUp', 700],
      ['Verifying', 2_100],
      ['Canary', 5_100],
      ['Ramping', 9_400],
      ['Promoted', 9_600],
      ['Draining', 9_700],
      ['Standby', 11_100],
      ['Completed', 71_100],
    ]);
    expect(state.timeline[0]?.actor).toBe('user:alice');
    expect(currentPhase(state)).toBe('Completed');
  });

  it('counts green replicas ready of the pool, once each', () => {
    const inputs = successfulDeploy();
    const firstReady = upTo(
      inputs,
      (i) => i.kind === 'audit' && i.envelope.type === 'replica.ready',
    );
    const ready = inputs.find((i) => i.kind === 'audit' && i.envelope.type === 'replica.ready')!;

    const state = replay([...firstReady, ready]);

    expect(state.replicas).toEqual({ total: 2, ready: [1] });
    expect(state.poolReady).toBe(false);
  });

  it('takes the weights the data plane confirmed, and starts the bake at that confirmation', () => {
    const state = replay(upTo(successfulDeploy(), isShift(20)));

    expect(state.weights).toEqual({ blue: 80, green: 20 });
    expect(state.step).toBe(0);
    expect(state.clock).toMatchObject({ key: 'bake:0', startedAt: T0 + 5_300 });
    expect(clockElapsed(state.clock!, T0 + 6_300)).toBe(1_000);
    expect(bakeBudget(state)).toEqual({ bakeMs: 4_000, extensions: 0 });
  });

  it('stops the bake clock while paused', () => {
    const canary = replay(upTo(successfulDeploy(), isShift(20)));

    const paused = replay(
      [
        audit(6_300, 'deployment.control', { action: 'pause', accepted: true }, 'user:bob'),
        audit(16_300, 'deployment.control', { action: 'resume', accepted: true }, 'user:bob'),
      ],
      canary,
    );

    expect(paused.paused).toBe(false);
    // 1 s before the pause, 10 s paused, 0.5 s after it.
    expect(clockElapsed(paused.clock!, T0 + 16_800)).toBe(1_500);
  });

  it('ignores a refused pause', () => {
    const canary = replay(upTo(successfulDeploy(), isShift(20)));

    const state = reduceWatch(
      canary,
      audit(6_300, 'deployment.control', { action: 'pause', accepted: false }),
    );

    expect(state.paused).toBe(false);
    expect(state.clock?.pausedSince).toBeNull();
  });

  it('lengthens the bake by one bake per extension the record reports', () => {
    const canary = replay([...upTo(successfulDeploy(), isShift(20)), { kind: 'live' }]);
    const extended = record({
      phase: 'Canary',
      stepIndex: 0,
      updatedAt: at(9_300),
      weights: { blue: 80, green: 20 },
      analysis: { step: 0, verdict: 'inconclusive', extensions: 2, reasons: ['too few samples'] },
    });

    const state = reduceWatch(canary, { kind: 'deployment', record: extended });

    expect(bakeBudget(state)).toEqual({ bakeMs: 12_000, extensions: 2 });
  });

  it('follows the drain: in-flight falls from the highest count seen', () => {
    const inputs = successfulDeploy();
    const drained = upTo(inputs, (i) => i.kind === 'audit' && i.envelope.type === 'drain.progress');

    const first = replay(drained);
    const second = reduceWatch(first, inputs[drained.length]!);

    expect(first.drain).toMatchObject({ inFlight: 4, initialInFlight: 4, completed: false });
    expect(second.drain).toMatchObject({ inFlight: 1, streams: 1, initialInFlight: 4 });
  });

  it("keeps the latest canary analysis with both pools' numbers", () => {
    const state = replay(successfulDeploy());

    expect(state.analysis).toMatchObject({
      step: 0,
      verdict: 'pass',
      samples: { green: 30, blue: 120 },
      metrics: { ttftP95: { green: 120, blue: 118.4 } },
    });
  });

  it('does not let the record sent at connect (ahead of the history) move the weights back', () => {
    const inputs = successfulDeploy();
    const done = record({
      phase: 'Completed',
      weights: { blue: 0, green: 100 },
      updatedAt: at(71_100),
    });

    const midway = replay([
      { kind: 'deployment', record: done },
      ...upTo(inputs.slice(1), isShift(20)),
    ]);

    expect(midway.weights).toEqual({ blue: 80, green: 20 });
    expect(currentPhase(midway)).toBe('Canary');
  });

  it('once live, a newer record wins over the last phase event (no history: NATS was down)', () => {
    const live = replay([
      { kind: 'deployment', record: record({ phase: 'Requested' }) },
      phase(0, null, 'Requested', 'deploy requested'),
      { kind: 'live' },
    ]);

    const state = reduceWatch(live, {
      kind: 'deployment',
      record: record({ phase: 'Aborted', updatedAt: at(3_000), reason: 'by hand' }),
    });

    expect(currentPhase(state)).toBe('Aborted');
  });
});

describe('watchOutcome: when watching ends, and its exit code', () => {
  it('waits for the history before deciding, even for a deployment that already ended', () => {
    const inputs = successfulDeploy();
    const beforeLive = replay(inputs.slice(0, -1));

    expect(watchOutcome(beforeLive, 'completed')).toBeNull();
    expect(watchOutcome(replay(inputs), 'completed')).toBe(WATCH_EXIT.succeeded);
  });

  it('goes on through Standby unless told to stop there', () => {
    const inputs = successfulDeploy();
    const standby = replay([
      ...upTo(
        inputs,
        (i) => i.kind === 'audit' && (i.envelope.data as { to?: string }).to === 'Standby',
      ),
      { kind: 'live' },
    ]);

    expect(watchOutcome(standby, 'completed')).toBeNull();
    expect(watchOutcome(standby, 'standby')).toBe(WATCH_EXIT.succeeded);
  });

  it.each(['RolledBack', 'Aborted', 'Failed'])('exits 1 when the deployment ends %s', (end) => {
    const state = replay([
      phase(0, null, 'Requested', 'deploy requested'),
      phase(100, 'Requested', end, 'it went wrong'),
      { kind: 'live' },
    ]);

    expect(watchOutcome(state, 'completed')).toBe(WATCH_EXIT.failed);
    expect(watchOutcome(state, 'standby')).toBe(WATCH_EXIT.failed);
  });
});
