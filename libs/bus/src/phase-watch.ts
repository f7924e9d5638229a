import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from 'nats';
import {
  eventEnvelopeSchema,
  eventTypeFilter,
  safeParse,
  type EventData,
  type EventEnvelope,
  type EventType,
} from '@greenlight/contracts';

/** A unit of work for one deployment, stopped when the deployment moves on or the process stops. */
export interface WorkLease {
  /** Aborts with `reasons.moved` or `reasons.shutdown` as its `reason`. */
  signal: AbortSignal;
  release(): void;
}

export interface PhaseWatchOptions {
  /** Logger context. */
  name: string;
  /** Whether this phase change ends the work of its deployment. */
  endsWork(change: EventData<'deployment.phase_changed'>): boolean;
  reasons: { moved: string; shutdown: string };
  /** Deployments remembered as moved on, so work that starts afterwards stops at once. */
  remember?: number;
}

const REMEMBERED = 1_000;

/**
 * Live events of one type on core NATS (not a durable consumer): for work that only needs to
 * hear about them while it runs. Malformed messages are skipped.
 */
export function subscribeLive<T extends EventType>(
  nc: NatsConnection,
  type: T,
  log: Logger,
  onEvent: (event: EventEnvelope<T>) => void,
): Subscription {
  const schema = eventEnvelopeSchema(type);
  return nc.subscribe(eventTypeFilter(type), {
    callback: (error, message) => {
      if (error) return log.warn(`${type} subscription: ${error.message}`);
      let payload: unknown;
      try {
        payload = message.json();
      } catch {
        return;
      }
      const parsed = safeParse(schema, payload);
      if (parsed.ok) onEvent(parsed.value);
    },
  });
}

/**
 * Stops long-running work (a readiness probe, an eval run, a drain) whose deployment moved on:
 * its answer would be refused anyway. A plain core-NATS subscription is enough: a missed event
 * only means the work runs on until its own deadline. On shutdown every lease aborts, and work
 * that starts while closing aborts at once, so its command is redelivered elsewhere.
 */
export abstract class PhaseWatch implements OnModuleInit, OnModuleDestroy {
  private readonly log: Logger;
  private readonly running = new Map<string, Set<AbortController>>();
  /** Oldest first, bounded. */
  private readonly moved = new Set<string>();
  private subscription?: Subscription;
  private closing = false;

  protected constructor(
    private readonly nc: NatsConnection,
    private readonly options: PhaseWatchOptions,
  ) {
    this.log = new Logger(options.name);
  }

  onModuleInit(): void {
    this.subscription = subscribeLive(this.nc, 'deployment.phase_changed', this.log, (event) => {
      if (this.options.endsWork(event.data)) this.end(event.deploymentId);
    });
  }

  onModuleDestroy(): void {
    this.closing = true;
    this.subscription?.unsubscribe();
    // Abort rather than wait: the command is redelivered and the work resumes elsewhere.
    for (const controllers of this.running.values()) {
      for (const controller of controllers) controller.abort(this.options.reasons.shutdown);
    }
  }

  watch(deploymentId: string): WorkLease {
    const controller = new AbortController();
    if (this.closing) controller.abort(this.options.reasons.shutdown);
    else if (this.moved.has(deploymentId)) controller.abort(this.options.reasons.moved);
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

  /** The deployment moved on: stop its work, and any that starts later. */
  end(deploymentId: string): void {
    this.moved.delete(deploymentId);
    this.moved.add(deploymentId);
    if (this.moved.size > (this.options.remember ?? REMEMBERED)) {
      const oldest = this.moved.values().next().value;
      if (oldest !== undefined) this.moved.delete(oldest);
    }
    for (const controller of this.running.get(deploymentId) ?? []) {
      controller.abort(this.options.reasons.moved);
    }
  }
}
