import { pickReplica, type PickCursor } from './replica-picker.util';

function replicas(...inFlight: number[]) {
  return inFlight.map((n, i) => ({ name: `r${i}`, upstream: { inFlight: n } }));
}

describe('pickReplica', () => {
  it('sends the request to the replica with the fewest requests in flight', () => {
    const pool = replicas(3, 1, 2);
    expect(pickReplica(pool, { next: 0 })?.name).toBe('r1');
  });

  it('takes turns among equally loaded replicas', () => {
    const pool = replicas(0, 0, 0);
    const cursor: PickCursor = { next: 0 };
    const picks = Array.from({ length: 6 }, () => pickReplica(pool, cursor)?.name);
    expect(picks).toEqual(['r0', 'r1', 'r2', 'r0', 'r1', 'r2']);
  });

  it('spreads a burst evenly when each pick adds load', () => {
    const pool = replicas(0, 0, 0);
    const cursor: PickCursor = { next: 0 };
    for (let i = 0; i < 9; i++) {
      pickReplica(pool, cursor)!.upstream.inFlight++;
    }
    expect(pool.map((r) => r.upstream.inFlight)).toEqual([3, 3, 3]);
  });

  it('avoids the replica a retry must not use, even when it is the least loaded', () => {
    const pool = replicas(0, 5);
    expect(pickReplica(pool, { next: 0 }, pool[0])?.name).toBe('r1');
  });

  it('has nothing to offer when the only replica is excluded or the pool is empty', () => {
    const pool = replicas(0);
    expect(pickReplica(pool, { next: 0 }, pool[0])).toBeUndefined();
    expect(pickReplica([], { next: 0 })).toBeUndefined();
  });
});
