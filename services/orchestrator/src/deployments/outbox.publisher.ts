import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EventBus } from '@greenlight/bus';
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
    let published: Set<string> | undefined;
    for (const entry of pending) {
      if (isPhaseEvent(entry) && entry.kind === 'publish') {
        const old = Date.now() - Date.parse(entry.message.at) > OUTBOX_VERIFY_AFTER_MS;
        if (verifyAll || old) published ??= await this.publishedIds(deploymentId);
        if (published?.has(entry.id)) {
          await this.repo.ackOutbox(deploymentId, entry.id);
          continue;
        }
      }
      await this.carryOut(entry);
      await this.repo.ackOutbox(deploymentId, entry.id);
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
