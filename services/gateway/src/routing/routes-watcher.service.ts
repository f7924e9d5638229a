import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { StorageType, type KvEntry, type NatsConnection, type QueuedIterator } from 'nats';
import {
  DATA_PLANE_SUBJECTS,
  ROUTES_BUCKET,
  RoutingTableSchema,
  safeParse,
  validationMessage,
  type DataPlaneAck,
  type RoutingTable,
} from '@greenlight/contracts';
import { NatsLink } from '../link/nats-link.service';
import { RouteTableService } from './route-table.service';
import { MetricsPublisher } from '../metrics/metrics-publisher.service';

const ROUTES_HISTORY = 5;
const WATCH_RETRY_MS = 1_000;

export const WATCHER_MESSAGES = {
  invalidJson: (key: string, reason: string) =>
    `ignoring routing table for ${key}: not JSON (${reason})`,
  invalid: (key: string, reason: string) => `ignoring invalid routing table for ${key}: ${reason}`,
  keyMismatch: (key: string, service: string) =>
    `ignoring routing table stored under ${key}: it is for service ${service}`,
  stale: (table: RoutingTable, applied: number) =>
    `ignoring stale routing table ${table.service}@${table.version}: version ${applied} is applied`,
} as const;

/**
 * Follows the routing tables in the NATS KV bucket: `watch()` replays each service's current
 * table, then every update. A valid, newer table is applied at once, persisted, then acked on
 * DATA_PLANE_SUBJECTS.ack (so an acked table survives a crash). Replays are idempotent: the
 * version in force is acked again, older ones are ignored.
 */
@Injectable()
export class RoutesWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RoutesWatcher.name);
  private watcher: QueuedIterator<KvEntry> | undefined;
  private stopped = false;
  private rewatch = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly link: NatsLink,
    private readonly routes: RouteTableService,
    private readonly metrics: MetricsPublisher,
  ) {}

  onApplicationBootstrap(): void {
    this.link.onConnect((nc) => void this.watchForever(nc));
    // A restarted server lost the watcher's consumer; the ordered consumer would notice only
    // after missing heartbeats (seconds). Watch afresh at once: the replay is idempotent.
    this.link.onReconnect(() => {
      this.rewatch = true;
      this.watcher?.stop();
      this.wake?.();
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.watcher?.stop();
    this.wake?.();
  }

  private async watchForever(nc: NatsConnection): Promise<void> {
    let failing = false;
    while (!this.stopped && !nc.isClosed()) {
      try {
        const kv = await nc
          .jetstream()
          .views.kv(ROUTES_BUCKET, { history: ROUTES_HISTORY, storage: StorageType.File });
        this.watcher = await kv.watch();
        if (failing) this.logger.log(`watching ${ROUTES_BUCKET} again`);
        failing = false;
        for await (const entry of this.watcher) await this.onEntry(entry);
      } catch (error) {
        if (!failing) {
          this.logger.warn(
            `cannot watch ${ROUTES_BUCKET} (${(error as Error).message}); keeping the tables in force, retrying`,
          );
          failing = true;
        }
      }
      if (this.stopped) return;
      if (this.rewatch) {
        this.rewatch = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WATCH_RETRY_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** One entry at a time, in bucket order. */
  private async onEntry(entry: KvEntry): Promise<void> {
    if (entry.operation !== 'PUT') {
      if (this.routes.remove(entry.key)) {
        this.logger.log(`service ${entry.key} removed from ${ROUTES_BUCKET}: no longer routed`);
        await this.persist();
      }
      return;
    }
    let raw: unknown;
    try {
      raw = entry.json();
    } catch (error) {
      this.logger.warn(WATCHER_MESSAGES.invalidJson(entry.key, (error as Error).message));
      return;
    }
    const parsed = safeParse(RoutingTableSchema, raw);
    if (!parsed.ok) {
      this.logger.warn(WATCHER_MESSAGES.invalid(entry.key, validationMessage(parsed.issues)));
      return;
    }
    const table = parsed.value;
    if (table.service !== entry.key) {
      this.logger.warn(WATCHER_MESSAGES.keyMismatch(entry.key, table.service));
      return;
    }
    const outcome = this.routes.apply(table);
    if (outcome === 'stale') {
      const applied = this.routes.get(table.service)?.table.version ?? -1;
      this.logger.warn(WATCHER_MESSAGES.stale(table, applied));
      return;
    }
    if (outcome === 'applied') {
      this.logger.log(`applied routing table ${table.service}@${table.version}`);
      this.metrics.publish(table.service);
      await this.persist();
    }
    const ack: DataPlaneAck = {
      instance: this.link.instance,
      service: table.service,
      version: table.version,
      appliedAt: new Date().toISOString(),
    };
    this.link.publish(DATA_PLANE_SUBJECTS.ack, ack);
  }

  private async persist(): Promise<void> {
    try {
      await this.routes.persist();
    } catch (error) {
      // Still serving and acking: losing the file only costs fail-static across a restart.
      this.logger.error(`could not persist routing tables: ${(error as Error).message}`);
    }
  }
}
