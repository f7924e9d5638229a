import { greenFraction, HAPROXY_MAX_WEIGHT, serverWeights } from './haproxy-weights.util';

describe('serverWeights', () => {
  it('gives a 1 % canary on 2 blue + 2 green replicas exactly 1 % of requests', () => {
    const weights = serverWeights({ weight: 99, replicas: 2 }, { weight: 1, replicas: 2 });

    expect(weights).toEqual({ blue: [99, 99], green: [1, 1] });
    expect(greenFraction(weights)).toBeCloseTo(0.01, 9);
  });

  it('sends nothing to a pool at 0 % and spreads the other evenly', () => {
    expect(serverWeights({ weight: 0, replicas: 2 }, { weight: 100, replicas: 3 })).toEqual({
      blue: [0, 0],
      green: [100, 100, 100],
    });
    expect(serverWeights({ weight: 100, replicas: 2 }, null)).toEqual({
      blue: [100, 100],
      green: [],
    });
  });

  it.each([
    // [blue %, blue replicas, green %, green replicas]
    [99, 16, 1, 1],
    [99, 1, 1, 16],
    [75, 3, 25, 1],
    [25, 1, 75, 5],
    [50, 7, 50, 2],
    [1, 2, 99, 3],
    [1, 64, 99, 1],
    [99, 64, 1, 1],
  ])(
    'keeps blue %i %% on %i replicas vs green %i %% on %i within 0.05 points',
    (blue, blueReplicas, green, greenReplicas) => {
      const weights = serverWeights(
        { weight: blue, replicas: blueReplicas },
        { weight: green, replicas: greenReplicas },
      );
      const all = [...weights.blue, ...weights.green];

      expect(weights.blue).toHaveLength(blueReplicas);
      expect(weights.green).toHaveLength(greenReplicas);
      expect(Math.max(...all)).toBeLessThanOrEqual(HAPROXY_MAX_WEIGHT);
      expect(Math.min(...all)).toBeGreaterThanOrEqual(0);
      expect(Math.abs(greenFraction(weights) * 100 - green)).toBeLessThan(0.05);
    },
  );

  it('loads the servers of a pool alike when that keeps the split', () => {
    const weights = serverWeights({ weight: 75, replicas: 3 }, { weight: 25, replicas: 1 });

    expect(new Set(weights.blue).size).toBe(1);
    expect(greenFraction(weights)).toBeCloseTo(0.25, 9);
  });
});
