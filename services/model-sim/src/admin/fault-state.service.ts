import { seededUnit } from '../common/hash.util';
import type { Faults, FaultsPatch } from './faults.schema';

/** The faults in force now: set from flags/profile at start, changed at runtime by the admin API. */
export class FaultState {
  private current: Faults;

  constructor(
    initial: Faults,
    private readonly seed: number,
    private readonly version: string,
  ) {
    this.current = { ...initial };
  }

  get(): Readonly<Faults> {
    return this.current;
  }

  update(patch: FaultsPatch): Readonly<Faults> {
    const defined = Object.fromEntries(
      Object.entries(patch).filter(([, value]) => value !== undefined),
    ) as Partial<Faults>;
    this.current = { ...this.current, ...defined };
    return this.current;
  }

  /** Whether the n-th completion request fails: a seeded draw, so a run repeats exactly. */
  shouldFail(requestIndex: number): boolean {
    const { failCompletions, errorRate } = this.current;
    if (failCompletions) return true;
    return errorRate > 0 && seededUnit(this.seed, this.version, 'error', requestIndex) < errorRate;
  }
}
