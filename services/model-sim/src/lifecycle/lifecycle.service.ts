import type { FaultState } from '../admin/fault-state.service';

/**
 * Process-level state the HTTP layer consults: draining after SIGTERM, completion counting for
 * crashAfter, and in-flight responses (so shutdown can wait for the last bytes to flush).
 */
export class SimLifecycle {
  private draining = false;
  private crashed = false;
  private arrivals = 0;
  private answered = 0;
  private open = 0;
  private flushWaiters: (() => void)[] = [];

  constructor(
    private readonly faults: FaultState,
    private readonly crash: () => void,
  ) {}

  get isDraining(): boolean {
    return this.draining;
  }

  get openResponses(): number {
    return this.open;
  }

  startDraining(): void {
    this.draining = true;
  }

  /** Counts an arriving completion request; the index drives the seeded error-rate draw. */
  completionArrived(): number {
    this.open += 1;
    return this.arrivals++;
  }

  /** Called once the response is fully handed to the OS; may trigger the crashAfter fault. */
  completionAnswered(): void {
    this.open -= 1;
    this.answered += 1;
    if (this.open === 0) this.notifyFlushed();
    const { crashAfter } = this.faults.get();
    if (crashAfter !== null && this.answered >= crashAfter && !this.crashed) {
      this.crashed = true;
      this.crash();
    }
  }

  /** Resolves when no completion response is open, or after `timeoutMs`. */
  whenFlushed(timeoutMs: number): Promise<void> {
    if (this.open === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.flushWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private notifyFlushed(): void {
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
