import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { ulid } from 'ulid';
import { EventBus } from '@greenlight/bus';
import {
  DEPLOYMENT_PROGRESS_DEFAULTS,
  DeployRequestSchema,
  isTerminal,
  SUBJECTS,
  SUBJECT_TOKEN,
  safeParse,
  transition,
  type DeployRequest,
  type Deployment,
} from '@greenlight/contracts';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import { DeploymentRepository, type LockHolder } from '@greenlight/store';
import { METRICS_REGISTRY, runWithLogContext } from '@greenlight/telemetry';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import { LIFECYCLE_REASONS } from '../lifecycle/lifecycle.constants';
import { LifecycleService } from '../lifecycle/lifecycle.service';
import { phaseEntry, phaseLimits, type PhaseLimits } from '../lifecycle/phase-entry.util';
import { DEPLOYMENT_ERRORS, LIVE_PHASES, ORCHESTRATOR_ACTOR } from './deployments.constants';
import { OutboxPublisher } from './outbox.publisher';
import { publishEvent } from './outbox.util';
import { phaseChangedEvent } from './phase-event.util';

export interface Issue {
  path: string;
  message: string;
}

/** Where a deploy request came from: who, and the key that makes a retry land on the same deployment. */
export interface RequestOrigin {
  actor: string;
  idempotencyKey: string | null;
  causationId: string | null;
  /** Set when this deployment redeploys the previous release of a Completed one (its rollback). */
  rollbackOf?: string;
  /** Why, for the audit log's first event (default: "release X requested"). */
  reason?: string;
}

export type RequestOutcome =
  | { status: 'accepted'; deployment: Deployment; duplicate: boolean }
  | { status: 'invalid'; issues: Issue[] }
  | { status: 'conflict'; holder: LockHolder; message: string };

@Injectable()
export class DeploymentsService {
  private readonly log = new Logger(DeploymentsService.name);
  private readonly requests: Counter<'outcome'>;
  private readonly limits: PhaseLimits;

  constructor(
    private readonly repo: DeploymentRepository<Deployment>,
    private readonly outbox: OutboxPublisher,
    private readonly bus: EventBus,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(SERVICE_CONFIG) config: OrchestratorConfig,
    private readonly lifecycle: LifecycleService,
  ) {
    this.limits = phaseLimits(config);
    this.requests = new Counter({
      name: 'greenlight_deploy_requests_total',
      help: 'Deploy requests by outcome: accepted, duplicate (same idempotency key), invalid, conflict',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  /** Validates, then creates: the REST path (NATS payloads are validated by the transport). */
  async request(input: unknown, origin: RequestOrigin): Promise<RequestOutcome> {
    const parsed = safeParse(DeployRequestSchema, input);
    if (!parsed.ok) {
      this.requests.inc({ outcome: 'invalid' });
      await this.reject(origin, DEPLOYMENT_ERRORS.invalidRequest, parsed.issues, serviceOf(input));
      return { status: 'invalid', issues: parsed.issues };
    }
    return this.create(parsed.value, origin);
  }

  /**
   * Stores the deployment, its service lock and its first two transitions in one atomic step,
   * then publishes them. Idempotent per origin key: a redelivered request finds its deployment.
   */
  async create(request: DeployRequest, origin: RequestOrigin): Promise<RequestOutcome> {
    const id = ulid();
    const outcome = await runWithLogContext({ deploymentId: id, service: request.service }, () =>
      this.store(id, request, origin),
    );
    this.requests.inc({
      outcome: outcome.status === 'accepted' && outcome.duplicate ? 'duplicate' : outcome.status,
    });
    return outcome;
  }

  private async store(
    id: string,
    request: DeployRequest,
    origin: RequestOrigin,
  ): Promise<RequestOutcome> {
    const live = await this.liveRelease(request.service);
    // What serves the service now becomes this deployment's blue (its replicas keep serving).
    const blue = live?.green ? live : null;
    const start = transition('Requested', 'start', {
      hasBlue: blue !== null,
      remainingSteps: request.strategy.steps.length,
      paused: false,
    });
    if (!start.ok) throw new Error(start.reason);

    const now = new Date().toISOString();
    const record: Deployment = {
      id,
      service: request.service,
      request,
      phase: start.to,
      paused: false,
      seq: 2,
      version: 1,
      fence: 0,
      actor: origin.actor,
      createdAt: now,
      updatedAt: now,
      stepIndex: null,
      weights: blue ? { blue: 100, green: 0 } : { blue: 0, green: 0 },
      routingVersion: null,
      blue: blue?.green
        ? {
            release: blue.request.release,
            pool: blue.request.pool,
            endpoints: blue.green.endpoints,
            generation: blue.cachePlan?.generations.green ?? null,
          }
        : null,
      reason: null,
      green: null,
      previousDeploymentId: blue?.id ?? null,
      idempotencyKey: origin.idempotencyKey,
      ...DEPLOYMENT_PROGRESS_DEFAULTS,
      rollbackOf: origin.rollbackOf ?? null,
    };
    const events = [
      phaseChangedEvent(
        record,
        1,
        {
          from: null,
          to: 'Requested',
          reason: origin.reason ?? `release ${request.release.version} requested`,
          actor: origin.actor,
        },
        origin.causationId,
      ),
      phaseChangedEvent(
        record,
        2,
        {
          from: 'Requested',
          to: start.to,
          reason: LIFECYCLE_REASONS.provisioning,
          actor: ORCHESTRATOR_ACTOR,
        },
        `${record.id}-1`,
      ),
    ];

    const result = await this.repo.create({
      record,
      idempotencyKey: origin.idempotencyKey,
      outbox: [
        ...events.map(publishEvent),
        ...phaseEntry(record, 'Requested', Date.parse(now), this.limits),
      ],
      lock: true,
    });
    switch (result.status) {
      case 'created':
        await this.publishOutbox(result.record.id);
        this.log.log(
          `deployment ${result.record.id} of ${request.service} ${request.release.version} accepted`,
        );
        return { status: 'accepted', deployment: result.record, duplicate: false };
      case 'duplicate': {
        await this.publishOutbox(result.id);
        const existing = await this.repo.get(result.id);
        if (!existing) throw new Error(DEPLOYMENT_ERRORS.notFound(result.id));
        return { status: 'accepted', deployment: existing, duplicate: true };
      }
      case 'conflict': {
        if (
          (await this.retireIfStandby(result.holder, origin.actor)) ||
          (await this.releaseIfEnded(request.service, result.holder))
        ) {
          return this.store(id, request, origin);
        }
        const message = DEPLOYMENT_ERRORS.conflict(request.service, result.holder.deploymentId);
        await this.reject(origin, message, [], request.service);
        return { status: 'conflict', holder: result.holder, message };
      }
    }
  }

  /**
   * A deployment in Standby gives way to a new one: it completes (its blue is stopped, green
   * serves on as the new deployment's blue) and frees the service.
   */
  private async retireIfStandby(holder: LockHolder, by: string): Promise<boolean> {
    const deployment = await this.repo.get(holder.deploymentId);
    if (deployment?.phase !== 'Standby') return false;
    const outcome = await this.lifecycle.advance(holder.deploymentId, 'retire', {
      actor: by,
      reason: LIFECYCLE_REASONS.retired(by),
      causationId: null,
      onlyFrom: ['Standby'],
    });
    if (outcome.status !== 'moved') return false;
    // Its outbox released the lock, or will: make sure before trying again.
    await this.repo.releaseLock(deployment.service, holder.deploymentId, holder.fence);
    return true;
  }

  /**
   * An ended deployment frees its service through its outbox; if that has not happened yet (its
   * relay is behind, or crashed in between), the lock is released here, fenced to that holder.
   */
  private async releaseIfEnded(service: string, holder: LockHolder): Promise<boolean> {
    const deployment = await this.repo.get(holder.deploymentId);
    if (deployment && !isTerminal(deployment.phase)) return false;
    return this.repo.releaseLock(service, holder.deploymentId, holder.fence);
  }

  get(id: string): Promise<Deployment | null> {
    return this.repo.get(id);
  }

  list(query: { service?: string; limit?: number; before?: string }): Promise<Deployment[]> {
    return this.repo.list(query);
  }

  /** The newest deployment whose release serves the service now: the next deployment's blue. */
  async liveRelease(service: string): Promise<Deployment | null> {
    const recent = await this.repo.list({ service, limit: 50 });
    return recent.find((d) => (LIVE_PHASES as readonly string[]).includes(d.phase)) ?? null;
  }

  /** Stored is what counts; if NATS is down now, the outbox sweeper publishes later. */
  private async publishOutbox(id: string): Promise<void> {
    if (!this.bus.isConnected()) {
      this.log.warn(`events of ${id} stored; NATS is unreachable, publishing when it is back`);
      return;
    }
    await this.outbox
      .flush(id)
      .catch((error: unknown) =>
        this.log.warn(`events of ${id} stored, publishing later: ${(error as Error).message}`),
      );
  }

  private async reject(
    origin: RequestOrigin,
    reason: string,
    issues: Issue[],
    service: string | null,
  ) {
    if (!this.bus.isConnected()) return; // the caller is told directly (REST); nothing to answer on NATS
    const id = ulid();
    await this.bus
      .publish(
        SUBJECTS.deployRejected,
        {
          id,
          type: 'deploy.rejected',
          at: new Date().toISOString(),
          actor: origin.actor,
          causationId: origin.causationId,
          data: { reason, issues, requestId: origin.idempotencyKey, service },
        },
        { msgID: `rejected:${origin.idempotencyKey ?? id}` },
      )
      .catch((error: unknown) =>
        this.log.warn(`could not publish rejection: ${(error as Error).message}`),
      );
  }
}

function serviceOf(input: unknown): string | null {
  if (input && typeof input === 'object' && 'service' in input) {
    const { service } = input;
    if (typeof service === 'string' && SUBJECT_TOKEN.test(service)) return service;
  }
  return null;
}
