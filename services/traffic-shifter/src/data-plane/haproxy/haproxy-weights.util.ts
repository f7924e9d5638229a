/** HAProxy accepts absolute server weights 0..256. */
export const HAPROXY_MAX_WEIGHT = 256;
/** Server weight when one pool takes everything: any equal value splits evenly within it. */
export const LONE_POOL_SERVER_WEIGHT = 100;
/** Equal weights within each pool are kept when they miss the split by at most this fraction. */
const EVEN_TOLERANCE = 0.0005;

export interface PoolShare {
  /** Percent of requests the pool should get (0..100). */
  weight: number;
  /** Servers (replicas) the pool has. */
  replicas: number;
}

/** The weight of each server of each pool, in replica order. */
export interface ServerWeights {
  blue: number[];
  green: number[];
}

function carries(pool: PoolShare | null): pool is PoolShare {
  return pool !== null && pool.weight > 0 && pool.replicas > 0;
}

function fill(replicas: number | undefined, weight: number): number[] {
  return new Array<number>(replicas ?? 0).fill(weight);
}

/**
 * HAProxy weights are relative per server, so a pool's share is the sum of its servers' weights
 * over both pools' sums. Keeps the blue:green percentages whatever the replica counts: a 1 % canary
 * on 2 + 2 replicas gets server weights 99 and 1 (exactly 1 %), not the 1.2 % that scaling and
 * rounding each pool would give.
 */
export function serverWeights(blue: PoolShare | null, green: PoolShare | null): ServerWeights {
  if (!carries(blue) || !carries(green)) {
    return {
      blue: fill(blue?.replicas, carries(blue) ? LONE_POOL_SERVER_WEIGHT : 0),
      green: fill(green?.replicas, carries(green) ? LONE_POOL_SERVER_WEIGHT : 0),
    };
  }
  const even = evenWeights(blue, green);
  if (even.error <= EVEN_TOLERANCE) {
    return { blue: fill(blue.replicas, even.blue), green: fill(green.replicas, even.green) };
  }
  return exactTotals(blue, green);
}

/** Fraction of requests green gets with these weights (roundrobin honours it exactly). */
export function greenFraction(weights: ServerWeights): number {
  const green = sum(weights.green);
  const total = green + sum(weights.blue);
  return total === 0 ? 0 : green / total;
}

/** The best pair of per-pool server weights (1..256): every server of a pool loaded alike. */
function evenWeights(blue: PoolShare, green: PoolShare) {
  const target = green.weight / (green.weight + blue.weight);
  let best = { blue: 1, green: 1, error: Number.POSITIVE_INFINITY };
  for (let g = 1; g <= HAPROXY_MAX_WEIGHT; g++) {
    const ideal = (g * green.replicas * blue.weight) / (green.weight * blue.replicas);
    const b = Math.min(HAPROXY_MAX_WEIGHT, Math.max(1, Math.round(ideal)));
    const greenTotal = g * green.replicas;
    const error = Math.abs(greenTotal / (greenTotal + b * blue.replicas) - target);
    // Strictly better only: among equals the smallest weights win.
    if (error < best.error - 1e-12) best = { blue: b, green: g, error };
    if (error === 0) break;
  }
  return best;
}

/**
 * When equal weights cannot express the split (a 1 % pool of 64 replicas against one replica),
 * give each pool the exact total and spread it over its servers as evenly as integers allow.
 */
function exactTotals(blue: PoolShare, green: PoolShare): ServerWeights {
  const divisor = gcd(blue.weight, green.weight);
  const base = { blue: blue.weight / divisor, green: green.weight / divisor };
  const scale = Math.min(
    Math.floor((HAPROXY_MAX_WEIGHT * blue.replicas) / base.blue),
    Math.floor((HAPROXY_MAX_WEIGHT * green.replicas) / base.green),
  );
  return {
    blue: spread(base.blue * scale, blue.replicas),
    green: spread(base.green * scale, green.replicas),
  };
}

function spread(total: number, replicas: number): number[] {
  const each = Math.floor(total / replicas);
  const extra = total % replicas;
  return Array.from({ length: replicas }, (_, i) => each + (i < extra ? 1 : 0));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function sum(values: readonly number[]): number {
  return values.reduce((acc, v) => acc + v, 0);
}
