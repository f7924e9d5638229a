import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { TimerStore } from '@greenlight/store';
import { ORCHESTRATOR_ACTOR } from '../deployments/deployments.constants';
import type { TimerPayload } from '../deployments/outbox.util';
import { BakeService } from './bake.service';
import { LifecycleService } from './lifecycle.service';

const POLL_MS = 250;
/** A claimed timer is this replica's for so long; if it dies, another replica claims it again. */
const LEASE_MS = 30_000;

/**
 * Fires durable timers (phase deadlines, bakes, standby windows) stored in Redis, so they
 * survive restarts and run once across orchestrator replicas (claims are leased).
 */
@Injectable()
export class TimerRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(TimerRunner.name);
  private interval?: NodeJS.Timeout;
  private wakeUp?: NodeJS.Timeout;
  private running = false;
  private stopped = false;

  constructor(
    private readonly timers: TimerStore,
    private readonly lifecycle: LifecycleService,
    private readonly bake: BakeService,
  ) {}

  onApplicationBootstrap(): void {
    this.interval = setInterval(() => void this.tick(), POLL_MS);
    this.interval.unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.interval);
    clearTimeout(this.wakeUp);
  }

  async tick(now = Date.now()): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const timer of await this.timers.claimDue(now, LEASE_MS)) {
        const payload = timer.payload as TimerPayload;
        if (payload.trigger === 'bake.elapsed') {
          await this.bake.elapsed(payload, timer.id);
        } else {
          // A timer is only valid for the phase it bounds: a late one is refused, not applied.
          await this.lifecycle.advance(payload.deploymentId, payload.trigger, {
            actor: ORCHESTRATOR_ACTOR,
            reason: payload.reason,
            causationId: `timer:${timer.id}`,
            onlyFrom: [payload.phase],
            ...(payload.step === undefined ? {} : { onlyAtStep: payload.step }),
          });
        }
        await this.timers.complete(timer.id);
      }
      await this.wakeForNext();
    } catch (error) {
      this.log.warn(`timers not fired yet: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  /**
   * A timer due before the next poll fires on time rather than up to a poll late: a bake or a
   * standby window of N seconds takes N seconds, not N plus a poll interval.
   */
  private async wakeForNext(): Promise<void> {
    const next = await this.timers.nextDueAt();
    if (next === null || this.stopped) return;
    const wait = next - Date.now();
    if (wait >= POLL_MS) return;
    clearTimeout(this.wakeUp);
    this.wakeUp = setTimeout(() => void this.tick(), Math.max(0, wait) + 1);
    this.wakeUp.unref();
  }
}
