import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { NatsConnection, Subscription } from 'nats';
import { NATS_CONNECTION } from '@greenlight/bus';
import { eventEnvelopeSchema, eventTypeFilter, safeParse } from '@greenlight/contracts';
import { DRAIN_ABORT_REASONS, LEFT_DRAINING_REMEMBERED } from './drain.constants';

export interface DrainLease {
  /** Aborts when the deployment leaves Draining or the drainer shuts down; `reason` says which. */
  signal: AbortSignal;
  release(): void;
}

const PHASE_CHANGED = eventEnvelopeSchema('deployment.phase_changed');

/**
 * Stops drains of deployments that left Draining (rolled back, aborted…): their answer would be
 * ignored. A plain core-NATS subscription is enough: missing an event only means the drain runs
 * on until blue is empty or its deadline.
 */
@Injectable()
export class DrainCancellationService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('DrainCancellation');
  private readonly running = new Map<string, Set<AbortController>>();
  /** Deployments that left Draining, oldest first: a drain redelivered afterwards stops at once. */
  private readonly left = new Set<string>();
  private subscription?: Subscription;
  /** Set once shutdown began: a command redelivered to this process now is handed back at once. */
  private closing = false;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  onModuleInit(): void {
    this.subscription = this.nc.subscribe(eventTypeFilter('deployment.phase_changed'), {
      callback: (error, message) => {
        if (error) return this.log.warn(`phase events subscription: ${error.message}`);
        let payload: unknown;
        try {
          payload = message.json();
        } catch {
          return;
        }
        const parsed = safeParse(PHASE_CHANGED, payload);
        if (!parsed.ok) return;
        const { from, to } = parsed.value.data;
        if (from === 'Draining' && to !== 'Draining') this.leave(parsed.value.deploymentId);
      },
    });
  }

  onModuleDestroy(): void {
    this.closing = true;
    this.subscription?.unsubscribe();
    // Abort rather than wait: the command is redelivered and the drain resumes elsewhere.
    for (const controllers of this.running.values()) {
      for (const controller of controllers) controller.abort(DRAIN_ABORT_REASONS.shutdown);
    }
  }

  watch(deploymentId: string): DrainLease {
    const controller = new AbortController();
    if (this.closing) controller.abort(DRAIN_ABORT_REASONS.shutdown);
    else if (this.left.has(deploymentId)) controller.abort(DRAIN_ABORT_REASONS.leftDraining);
    const set = this.running.get(deploymentId) ?? new Set<AbortController>();
    set.add(controller);
    this.running.set(deploymentId, set);
    return {
      signal: controller.signal,
      release: () => {
        set.delete(controller);
        if (set.size === 0 && this.running.get(deploymentId) === set) {
          this.running.delete(deploymentId);
        }
      },
    };
  }

  /** The deployment is no longer Draining: stop its drains. */
  leave(deploymentId: string): void {
    this.left.delete(deploymentId);
    this.left.add(deploymentId);
    if (this.left.size > LEFT_DRAINING_REMEMBERED) {
      const oldest = this.left.values().next().value;
      if (oldest !== undefined) this.left.delete(oldest);
    }
    for (const controller of this.running.get(deploymentId) ?? []) {
      controller.abort(DRAIN_ABORT_REASONS.leftDraining);
    }
  }
}
