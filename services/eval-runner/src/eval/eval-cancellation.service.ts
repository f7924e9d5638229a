import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { NatsConnection, Subscription } from 'nats';
import { NATS_CONNECTION } from '@greenlight/bus';
import { eventEnvelopeSchema, eventTypeFilter, isTerminal, safeParse } from '@greenlight/contracts';
import { ABORT_REASONS, ENDED_DEPLOYMENTS_REMEMBERED } from './eval.constants';

export interface CancellationLease {
  /** Aborts when the deployment ends or the runner shuts down; `reason` says which. */
  signal: AbortSignal;
  release(): void;
}

const PHASE_CHANGED = eventEnvelopeSchema('deployment.phase_changed');

/**
 * Stops runs of deployments that have ended (aborted, failed…), as the health-prober does. Core
 * NATS is enough: a missed event only means the run goes on until its deadline.
 */
@Injectable()
export class EvalCancellationService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('EvalCancellation');
  private readonly running = new Map<string, Set<AbortController>>();
  /** Ended deployments, oldest first: a run that starts after the end event stops at once. */
  private readonly ended = new Set<string>();
  private subscription?: Subscription;

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
        if (parsed.ok && isTerminal(parsed.value.data.to)) this.end(parsed.value.deploymentId);
      },
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    // Abort rather than wait: the command is redelivered and the run starts again elsewhere.
    for (const controllers of this.running.values()) {
      for (const controller of controllers) controller.abort(ABORT_REASONS.shutdown);
    }
  }

  watch(deploymentId: string): CancellationLease {
    const controller = new AbortController();
    if (this.ended.has(deploymentId)) controller.abort(ABORT_REASONS.deploymentEnded);
    const set = this.running.get(deploymentId) ?? new Set<AbortController>();
    set.add(controller);
    this.running.set(deploymentId, set);
    return {
      signal: controller.signal,
      release: () => {
        set.delete(controller);
        if (set.size === 0 && this.running.get(deploymentId) === set)
          this.running.delete(deploymentId);
      },
    };
  }

  end(deploymentId: string): void {
    this.ended.delete(deploymentId);
    this.ended.add(deploymentId);
    if (this.ended.size > ENDED_DEPLOYMENTS_REMEMBERED) {
      const oldest = this.ended.values().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
    for (const controller of this.running.get(deploymentId) ?? []) {
      controller.abort(ABORT_REASONS.deploymentEnded);
    }
  }
}
