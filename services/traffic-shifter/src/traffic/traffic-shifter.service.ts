import { Inject, Injectable, Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { EventBus } from '@greenlight/bus';
import type { CommandMessage, RoutingTable, ValidationIssue } from '@greenlight/contracts';
import type { TrafficShifterConfig } from '../config/traffic-shifter.config';
import type { DataPlaneDriver } from '../data-plane/data-plane-driver';
import { planTrafficChange, type TrafficPlan } from './traffic-plan.util';
import {
  DATA_PLANE_DRIVERS,
  MAX_WRITE_ATTEMPTS,
  TRAFFIC_ACTOR,
  TRAFFIC_CONFIG,
  TRAFFIC_ERRORS,
  TRAFFIC_SET_COMMAND,
} from './traffic.constants';
import { TrafficMetrics } from './traffic.metrics';
import { RoutesConflictError, RoutesRepository } from './routes.repository';
import { VersionQueue } from './version-queue.util';

/**
 * A data plane did not confirm in time (or refused the change): the command is retried. An
 * RpcException, so Nest treats it as a planned outcome instead of logging a stack trace.
 */
export class TrafficNotConfirmedError extends RpcException {
  constructor(message: string) {
    super(message);
    this.name = 'TrafficNotConfirmedError';
  }
}

/** A traffic.set as COMMAND_MESSAGE_SCHEMAS['traffic.set'] validates it. */
export type TrafficSetCommand = CommandMessage<'traffic.set'>;

/**
 * Owns the routing tables: decides whether a traffic.set may change the table of its service,
 * writes it to the routes bucket, has every data plane apply it, and answers with
 * traffic.shifted (confirmed everywhere) or command.rejected (refused, nothing changed).
 */
@Injectable()
export class TrafficShifterService {
  private readonly log = new Logger('TrafficShifter');
  private readonly queue = new VersionQueue();

  constructor(
    private readonly routes: RoutesRepository,
    private readonly bus: EventBus,
    private readonly metrics: TrafficMetrics,
    @Inject(DATA_PLANE_DRIVERS) private readonly drivers: DataPlaneDriver[],
    @Inject(TRAFFIC_CONFIG) private readonly config: TrafficShifterConfig,
  ) {}

  /**
   * Resolves once answered (traffic.shifted or command.rejected); throws to have it retried.
   * Per service, deciding and changing the data plane happen one command at a time in version
   * order; waiting for confirmations does not hold that turn, so a rollback never queues behind a
   * ramp step waiting for a slow gateway (whose ack of the newer version then confirms both).
   */
  async shift(command: TrafficSetCommand): Promise<void> {
    const { service, version, weights } = command.data;
    const deadline = Date.now() + this.config.CONFIRM_TIMEOUT_MS;
    try {
      const plan = await this.queue.run(service, version, () => this.change(command, deadline));
      if (plan.kind === 'refuse') {
        await this.refuse(command, plan.reason, plan.issues, plan.appliedVersion);
        return;
      }
      await this.confirm(plan.table, deadline);
      await this.bus.reply(
        command,
        'traffic.shifted',
        { weights, version, requestedAt: command.at, appliedAt: new Date().toISOString() },
        { actor: TRAFFIC_ACTOR },
      );
      const outcome = plan.kind === 'apply' ? 'applied' : 'reconfirmed';
      this.metrics.outcomes.inc({ outcome });
      this.log.log(
        `${service} v${version} ${outcome}: blue ${weights.blue} % / green ${weights.green} %`,
      );
    } catch (error) {
      this.metrics.outcomes.inc({ outcome: 'failed' });
      throw error;
    }
  }

  /** Decides, writes the routes bucket (compare-and-set) and has every driver apply the table. */
  private async change(command: TrafficSetCommand, deadline: number): Promise<TrafficPlan> {
    const { service } = command.data;
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const stored = await this.routes.read(service);
      const plan = planTrafficChange(command.data, stored.table);
      if (plan.kind === 'refuse') return plan;
      const unfit = this.drivers.map((d) => d.check(plan.table)).find(Boolean);
      if (unfit) return { kind: 'refuse', reason: unfit, issues: [] };

      if (plan.kind === 'apply') {
        try {
          await this.routes.write(plan.table, stored.revision);
        } catch (error) {
          if (error instanceof RoutesConflictError) continue;
          throw error;
        }
      }
      await this.eachDriver((driver) => driver.apply(plan.table, deadline));
      return plan;
    }
    throw new Error(TRAFFIC_ERRORS.writeConflict(service, MAX_WRITE_ATTEMPTS));
  }

  /** Every data plane confirms in parallel, before the deadline. */
  private async confirm(table: RoutingTable, deadline: number): Promise<void> {
    const started = Date.now();
    await this.eachDriver(async (driver) => {
      await driver.confirm(table, deadline);
      this.metrics.confirmSeconds.observe({ driver: driver.name }, (Date.now() - started) / 1000);
    });
  }

  private async eachDriver(step: (driver: DataPlaneDriver) => Promise<void>): Promise<void> {
    await Promise.all(
      this.drivers.map(async (driver) => {
        try {
          await step(driver);
        } catch (error) {
          throw new TrafficNotConfirmedError(
            TRAFFIC_ERRORS.notConfirmed(driver.name, (error as Error).message),
          );
        }
      }),
    );
  }

  private async refuse(
    command: TrafficSetCommand,
    reason: string,
    issues: ValidationIssue[],
    appliedVersion?: number,
  ): Promise<void> {
    this.log.warn(`refused ${TRAFFIC_SET_COMMAND} ${command.id}: ${reason}`);
    await this.bus.reply(
      command,
      'command.rejected',
      {
        command: TRAFFIC_SET_COMMAND,
        reason,
        issues,
        ...(appliedVersion === undefined ? {} : { appliedVersion }),
      },
      { actor: TRAFFIC_ACTOR },
    );
    this.metrics.outcomes.inc({ outcome: 'refused' });
  }
}
