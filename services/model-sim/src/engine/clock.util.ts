import { performance } from 'node:perf_hooks';

export type TimerHandle = object;

/** Time source of the engine: real timers in the server, a ManualClock in unit tests. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(callback: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface ManualTimer {
  at: number;
  order: number;
  callback: () => void;
}

/** A clock that moves only when told to; timers fire in due order during advance(). */
export class ManualClock implements Clock {
  private time = 0;
  private order = 0;
  private readonly timers = new Set<ManualTimer>();

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): TimerHandle {
    const timer = { at: this.time + Math.max(0, ms), order: this.order++, callback };
    this.timers.add(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as ManualTimer);
  }

  /** Moves time forward by `ms`, firing every timer that falls due (including ones set meanwhile). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.timers) {
        if (timer.at > target) continue;
        if (!next || timer.at < next.at || (timer.at === next.at && timer.order < next.order)) {
          next = timer;
        }
      }
      if (!next) break;
      this.timers.delete(next);
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = target;
  }

  /** Moves time without firing timers, as a blocked event loop would; the next advance() catches up. */
  stall(ms: number): void {
    this.time += ms;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}
