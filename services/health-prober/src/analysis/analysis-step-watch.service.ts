import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { NatsConnection, Subscription } from 'nats';
import { EventBus, NATS_CONNECTION, subscribeLive } from '@greenlight/bus';
import { eventEnvelopeSchema, eventSubject, safeParse, type Envelope } from '@greenlight/contracts';
import { ANALYSIS_STOPS, PHASES_REMEMBERED } from './analysis.constants';

export interface StepLease {
  /** Aborts when the deployment leaves the step or the prober shuts down; `reason` says which. */
  signal: AbortSignal;
  release(): void;
}

interface PhaseChange {
  seq: number;
  data: { from: string | null; to: string; paused?: boolean | undefined };
}

interface Watcher {
  controller: AbortController;
  /** The command's seq: any later transition of the deployment leaves the step. */
  afterSeq: number;
}

const PHASE_CHANGED = eventEnvelopeSchema('deployment.phase_changed');

/** A pause or resume keeps the step; every other transition (next step, rollback, abort…) ends it. */
function leavesStep(change: PhaseChange, afterSeq: number): boolean {
  if (change.seq <= afterSeq) return false;
  return !(change.data.from === change.data.to && change.data.paused !== undefined);
}

/**
 * Ends an analysis when its deployment moves on. Live changes arrive on a core-NATS subscription
 * (missing one only means judging on until maxDuration); a (re)started analysis first reads the
 * deployment's phase changes from the audit log, so a command redelivered late stops at once.
 */
@Injectable()
export class AnalysisStepWatch implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('AnalysisStepWatch');
  private readonly running = new Map<string, Set<Watcher>>();
  /** Latest transition seen per deployment, oldest first: a watch that starts late stops at once. */
  private readonly latest = new Map<string, PhaseChange>();
  private subscription?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    this.subscription = subscribeLive(this.nc, 'deployment.phase_changed', this.log, (event) =>
      this.phaseChanged(event.deploymentId, event),
    );
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    // Abort rather than wait: the command is redelivered and judging resumes.
    for (const watchers of this.running.values()) {
      for (const { controller } of watchers) controller.abort(ANALYSIS_STOPS.shutdown);
    }
  }

  watch(deploymentId: string, afterSeq: number): StepLease {
    const watcher: Watcher = { controller: new AbortController(), afterSeq };
    const seen = this.latest.get(deploymentId);
    if (seen && leavesStep(seen, afterSeq)) watcher.controller.abort(ANALYSIS_STOPS.stepLeft);
    const set = this.running.get(deploymentId) ?? new Set<Watcher>();
    set.add(watcher);
    this.running.set(deploymentId, set);
    return {
      signal: watcher.controller.signal,
      release: () => {
        set.delete(watcher);
        if (set.size === 0 && this.running.get(deploymentId) === set) {
          this.running.delete(deploymentId);
        }
      },
    };
  }

  /** Whether the audit log already holds a transition that took the deployment off the step. */
  async leftAlready(command: Pick<Envelope, 'deploymentId' | 'service' | 'seq'>): Promise<boolean> {
    const stored = await this.bus.read<unknown>(
      eventSubject('deployment.phase_changed', command.service, command.deploymentId),
    );
    return stored.some((m) => {
      const parsed = safeParse(PHASE_CHANGED, m.data);
      return parsed.ok && leavesStep(parsed.value, command.seq);
    });
  }

  phaseChanged(deploymentId: string, change: PhaseChange): void {
    const previous = this.latest.get(deploymentId);
    if (!previous || change.seq > previous.seq) {
      this.latest.delete(deploymentId);
      this.latest.set(deploymentId, change);
      if (this.latest.size > PHASES_REMEMBERED) {
        const oldest = this.latest.keys().next().value;
        if (oldest !== undefined) this.latest.delete(oldest);
      }
    }
    for (const watcher of this.running.get(deploymentId) ?? []) {
      if (leavesStep(change, watcher.afterSeq)) watcher.controller.abort(ANALYSIS_STOPS.stepLeft);
    }
  }
}
