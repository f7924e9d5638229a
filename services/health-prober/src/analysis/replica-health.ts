/** Checks one replica: null when healthy, else what went wrong. */
export type HealthCheck = (url: string, signal: AbortSignal) => Promise<string | null>;

/**
 * Green replicas' health across looks: a replica is down once it failed `downAfter` checks in a
 * row, so one slow answer (a GC pause, a busy event loop) does not roll a canary back.
 */
export class ReplicaHealth {
  private readonly failures = new Map<string, number>();
  private readonly lastError = new Map<string, string>();

  constructor(
    private readonly endpoints: readonly string[],
    private readonly check: HealthCheck,
    private readonly downAfter: number,
  ) {}

  /** Checks every replica once (in parallel); returns the ones that are down now. */
  async look(signal: AbortSignal): Promise<string[]> {
    await Promise.all(
      this.endpoints.map(async (url) => {
        const error = await this.check(url, signal);
        if (signal.aborted) return;
        if (error === null) {
          this.failures.delete(url);
          this.lastError.delete(url);
        } else {
          this.failures.set(url, (this.failures.get(url) ?? 0) + 1);
          this.lastError.set(url, error);
        }
      }),
    );
    return this.endpoints.filter((url) => (this.failures.get(url) ?? 0) >= this.downAfter);
  }

  /** The last failed check's error of a replica, for the verdict's reasons. */
  errorOf(url: string): string | undefined {
    return this.lastError.get(url);
  }
}
