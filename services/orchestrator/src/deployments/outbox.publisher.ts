import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EventBus, streamFor } from '@greenlight/bus';
import { deploymentEventsFilter, type Deployment, type Envelope } from '@greenlight/contracts';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import { DeploymentRepository, TimerStore } from '@greenlight/store';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import { OUTBOX_VERIFY_AFTER_MS } from './deployments.constants';
import { isPhaseEvent, type OutboxEntry } from './outbox.util';

/**
 * Carries out what a deployment change stored in its Redis outbox (events, commands, timers,
 * the lock's release), in order, then drops each entry. Stored first, carried out after: a crash
 * in between repeats the entry on the next start. Entries are idempotent, and phase events older
 * than JetStream's dedupe window are looked up in the stream first, so the audit log never
 * holds one twice. (Commands leave the work-queue stream once handled, so they cannot be looked
 * up: their handlers are idempotent instead.)
 */
@Injectable()
export class OutboxPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboxPublisher.name);
  private readonly chains = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly repo: DeploymentRepository<Deployment>,
    private readonly bus: EventBus,
    private readonly timers: TimerStore,
    @Inject(SERVICE_CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweep(true);
    this.timer = setInterval(() => void this.sweep(false), this.config.OUTBOX_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Carries out what is pending for one deployment; concurrent calls for it run one after another. */
  flush(deploymentId: string, verifyAll = false): Promise<void> {
    const previous = this.chains.get(deploymentId) ?? Promise.resolve();
    const next = previous.then(() => this.drain(deploymentId, verifyAll));
    const settled = next.catch(() => undefined);
    this.chains.set(deploymentId, settled);
    void settled.then(() => {
      if (this.chains.get(deploymentId) === settled) this.chains.delete(deploymentId);
    });
    return next;
  }

  private async sweep(verifyAll: boolean): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const id of await this.repo.deploymentsWithPendingOutbox()) {
        await this.flush(id, verifyAll).catch((error: unknown) =>
          this.log.warn(`outbox of ${id} not carried out yet: ${(error as Error).message}`),
        );
      }
    } catch (error) {
      this.log.warn(`outbox sweep failed: ${(error as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }

  private async drain(deploymentId: string, verifyAll: boolean): Promise<void> {
    const pending = (await this.repo.pendingOutbox(deploymentId)) as OutboxEntry[];
    const stale = pending.some(
      (e) => isPhaseEvent(e) && Date.now() - Date.parse(e.message.at) > OUTBOX_VERIFY_AFTER_MS,
    );
    const published = verifyAll || stale ? await this.publishedIds(deploymentId) : undefined;
    for (let i = 0; i < pending.length;) {
      // Publishes to different streams leave together, so a rollback's routing command does not
      // wait for its phase event's round trip; two to one stream wait for each other, so a failed
      // first one can never land after the second.
      let j = i;
      const streams = new Set<string>();
      for (; j < pending.length; j++) {
        const entry = pending[j]!;
        if (entry.kind !== 'publish' || streams.has(streamFor(entry.subject))) break;
        streams.add(streamFor(entry.subject));
      }
      const run = j > i ? pending.slice(i, j) : [pending[i]!];
      const outcomes = await Promise.allSettled(
        run.map((entry) =>
          isPhaseEvent(entry) && published?.has(entry.id)
            ? Promise.resolve()
            : this.carryOut(entry),
        ),
      );
      const done = outcomes.findIndex((o) => o.status === 'rejected');
      const carried = done === -1 ? run : run.slice(0, done);
      await Promise.all(carried.map((entry) => this.repo.ackOutbox(deploymentId, entry.id)));
      if (done !== -1) throw (outcomes[done] as PromiseRejectedResult).reason;
      i += run.length;
    }
  }

  private async carryOut(entry: OutboxEntry): Promise<void> {
    switch (entry.kind) {
      case 'publish':
        await this.bus.publish(entry.subject, entry.message, { msgID: entry.id });
        return;
      case 'schedule-timer':
        await this.timers.schedule(entry.timerId, entry.dueAt, entry.payload);
        return;
      case 'cancel-timer':
        await this.timers.cancel(entry.timerId);
        return;
      case 'release-lock':
        await this.repo.releaseLock(entry.service, entry.deploymentId, entry.fence);
        return;
    }
  }

  private async publishedIds(deploymentId: string): Promise<Set<string>> {
    const stored = await this.bus.read<Envelope>(deploymentEventsFilter(deploymentId), {
      limit: 10_000,
    });
    return new Set(stored.map((m) => m.data.id));
  }
}
