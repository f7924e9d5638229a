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
import { DeploymentRepository } from '@greenlight/store';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import { OUTBOX_VERIFY_AFTER_MS } from './deployments.constants';

/**
 * Publishes the events a deployment change stored in its Redis outbox, in order, then drops
 * them from the outbox. Stored first, published after: a crash in between republishes on the
 * next start, and stable event ids (plus a look at the stream for old ones) keep the audit log
 * free of duplicates.
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

  /** Publishes what is pending for one deployment; concurrent calls for it run one after another. */
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
          this.log.warn(`outbox of ${id} not published yet: ${(error as Error).message}`),
        );
      }
    } catch (error) {
      this.log.warn(`outbox sweep failed: ${(error as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }

  private async drain(deploymentId: string, verifyAll: boolean): Promise<void> {
    const pending = (await this.repo.pendingOutbox(deploymentId)) as Envelope[];
    let published: Set<string> | undefined;
    for (const event of pending) {
      const old = Date.now() - Date.parse(event.at) > OUTBOX_VERIFY_AFTER_MS;
      if (verifyAll || old) {
        published ??= await this.publishedIds(deploymentId);
      }
      if (!published?.has(event.id)) await this.bus.publishEvent(event);
      await this.repo.ackOutbox(deploymentId, event.id);
    }
  }

  private async publishedIds(deploymentId: string): Promise<Set<string>> {
    const stored = await this.bus.read<Envelope>(deploymentEventsFilter(deploymentId), {
      limit: 10_000,
    });
    return new Set(stored.map((m) => m.data.id));
  }
}
