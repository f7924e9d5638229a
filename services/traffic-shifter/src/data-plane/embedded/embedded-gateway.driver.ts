import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { Events, type Msg, type NatsConnection, type Subscription } from 'nats';
import { NATS_CONNECTION } from '@greenlight/bus';
import {
  DATA_PLANE_SUBJECTS,
  DataPlaneAckSchema,
  GatewayHeartbeatSchema,
  HEARTBEAT_MS,
  INSTANCE_TTL_MS,
  safeParse,
  type RoutingTable,
} from '@greenlight/contracts';
import type { DataPlaneDriver } from '../data-plane-driver';
import { GATEWAY_ERRORS, GatewayInstanceRegistry } from './gateway-instances.registry';

/** Heartbeats are sent every HEARTBEAT_MS; allow this much jitter before the list counts as complete. */
export const HEARTBEAT_GRACE_MS = 250;

/**
 * The embedded gateway as a data plane: every instance watches the routes bucket, so writing the
 * table there is the apply; this driver then waits for each live instance to acknowledge it.
 * It listens to heartbeats and acks from start-up on, so an ack can never arrive before it listens.
 */
@Injectable()
export class EmbeddedGatewayDriver implements DataPlaneDriver, OnModuleInit, OnModuleDestroy {
  readonly name = 'embedded';
  readonly instances = new GatewayInstanceRegistry({
    ttlMs: INSTANCE_TTL_MS,
    heartbeatMs: HEARTBEAT_MS,
    graceMs: HEARTBEAT_GRACE_MS,
  });
  private readonly log = new Logger('EmbeddedGateway');
  private readonly subscriptions: Subscription[] = [];

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onModuleInit(): Promise<void> {
    this.subscriptions.push(
      this.nc.subscribe(DATA_PLANE_SUBJECTS.heartbeat, {
        callback: (error, msg) => this.receive(error, msg, 'heartbeat'),
      }),
      this.nc.subscribe(DATA_PLANE_SUBJECTS.ack, {
        callback: (error, msg) => this.receive(error, msg, 'ack'),
      }),
    );
    // The server has the subscriptions once flush returns: no ack can slip past from here on.
    await this.nc.flush();
    this.instances.restartListening();
    void this.followReconnects();
  }

  /** Runs before the consumers close: a wait in progress fails now, so its command is redelivered. */
  onModuleDestroy(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.instances.abortAll(GATEWAY_ERRORS.shuttingDown);
  }

  check(): undefined {
    return undefined;
  }

  /** Writing the routes bucket was the apply: every instance watches it. */
  apply(): Promise<void> {
    return Promise.resolve();
  }

  async confirm(table: RoutingTable, deadline: number): Promise<void> {
    const { instances } = await this.instances.waitFor(
      table.service,
      table.version,
      Math.max(0, deadline - Date.now()),
    );
    if (instances.length === 0) {
      this.log.warn(
        `no live gateway instance: ${table.service} v${table.version} is in the routes bucket, but no gateway serves it yet`,
      );
    } else {
      this.log.debug(
        `${table.service} v${table.version} acknowledged by ${instances.length} gateway instance(s)`,
      );
    }
  }

  private receive(error: Error | null, msg: Msg, kind: 'heartbeat' | 'ack'): void {
    if (error) return;
    let payload: unknown;
    try {
      payload = msg.json();
    } catch {
      this.log.warn(`ignored a ${kind} that is not JSON`);
      return;
    }
    if (kind === 'heartbeat') {
      const parsed = safeParse(GatewayHeartbeatSchema, payload);
      if (parsed.ok) this.instances.heartbeat(parsed.value);
      else this.log.warn(`ignored an invalid heartbeat: ${JSON.stringify(parsed.issues)}`);
    } else {
      const parsed = safeParse(DataPlaneAckSchema, payload);
      if (parsed.ok) this.instances.ack(parsed.value);
      else this.log.warn(`ignored an invalid ack: ${JSON.stringify(parsed.issues)}`);
    }
  }

  /** While disconnected we miss heartbeats: after a reconnect, wait a period before trusting the list. */
  private async followReconnects(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === Events.Reconnect) this.instances.restartListening();
    }
  }
}
