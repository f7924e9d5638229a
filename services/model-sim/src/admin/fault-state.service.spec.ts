import { FaultState } from './fault-state.service';
import type { Faults } from './faults.schema';

const HEALTHY: Faults = {
  errorRate: 0,
  latencyFactor: 1,
  quality: 1,
  leakTemplate: false,
  neverReady: false,
  failCompletions: false,
  crashAfter: null,
  servedModelName: 'chat',
};

const failures = (faults: FaultState, n = 2000) =>
  Array.from({ length: n }, (_, i) => faults.shouldFail(i));

describe('FaultState', () => {
  it('fails about errorRate of requests, the same ones on every run', () => {
    const faults = new FaultState({ ...HEALTHY, errorRate: 0.05 }, 1, 'v2');
    const run = failures(faults);
    const share = run.filter(Boolean).length / run.length;
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.07);
    expect(failures(new FaultState({ ...HEALTHY, errorRate: 0.05 }, 1, 'v2'))).toEqual(run);
    expect(failures(new FaultState({ ...HEALTHY, errorRate: 0.05 }, 2, 'v2'))).not.toEqual(run);
  });

  it('never fails when healthy, always with failCompletions or errorRate 1', () => {
    expect(failures(new FaultState(HEALTHY, 1, 'v1')).some(Boolean)).toBe(false);
    expect(failures(new FaultState({ ...HEALTHY, errorRate: 1 }, 1, 'v1')).every(Boolean)).toBe(
      true,
    );
    const faults = new FaultState(HEALTHY, 1, 'v1');
    faults.update({ failCompletions: true });
    expect(faults.shouldFail(0)).toBe(true);
  });

  it('merges a patch, leaving fields it does not name', () => {
    const faults = new FaultState({ ...HEALTHY, quality: 0.9 }, 1, 'v1');
    expect(faults.update({ errorRate: 0.5, crashAfter: 10 })).toEqual({
      ...HEALTHY,
      quality: 0.9,
      errorRate: 0.5,
      crashAfter: 10,
    });
    expect(faults.update({ crashAfter: null }).crashAfter).toBeNull();
  });
});
