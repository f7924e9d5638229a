import { Inject, Injectable, Logger } from '@nestjs/common';
import { StorageType, type KV, type NatsConnection } from 'nats';
import { NATS_CONNECTION } from '@greenlight/bus';
import {
  ROUTES_BUCKET,
  RoutingTableSchema,
  safeParse,
  validationMessage,
  type RoutingTable,
} from '@greenlight/contracts';

/** Revisions kept per service: enough to see the last few changes with `nats kv history`. */
export const ROUTES_HISTORY = 5;
/** JetStream's "wrong last sequence": someone else wrote the entry since we read it. */
const WRONG_LAST_SEQUENCE = 10071;

export interface StoredTable {
  /** The table in force; null when the service has none (or the entry is unreadable). */
  table: RoutingTable | null;
  /** KV revision of the entry (0: no entry at all), the compare-and-set guard of the next write. */
  revision: number;
}

/** Another writer changed the entry between our read and our write. */
export class RoutesConflictError extends Error {
  constructor(service: string) {
    super(`routing table of ${service} changed while it was being replaced`);
    this.name = 'RoutesConflictError';
  }
}

/**
 * Routing tables in the NATS KV bucket every gateway watches (key = service). Writes are
 * compare-and-set on the revision read, so two shifters can never interleave a read-modify-write.
 */
@Injectable()
export class RoutesRepository {
  private readonly log = new Logger('Routes');
  private kv?: Promise<KV>;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async read(service: string): Promise<StoredTable> {
    const entry = await (await this.bucket()).get(service);
    if (!entry) return { table: null, revision: 0 };
    if (entry.operation !== 'PUT') return { table: null, revision: entry.revision };
    let value: unknown;
    try {
      value = entry.json();
    } catch {
      value = undefined;
    }
    const parsed = safeParse(RoutingTableSchema, value);
    if (!parsed.ok) {
      this.log.warn(
        `routing table of ${service} (revision ${entry.revision}) is unreadable and will be replaced by the next traffic.set with pools: ${validationMessage(parsed.issues)}`,
      );
      return { table: null, revision: entry.revision };
    }
    return { table: parsed.value, revision: entry.revision };
  }

  /** Writes `table` if the entry is still at `revision`; throws RoutesConflictError otherwise. */
  async write(table: RoutingTable, revision: number): Promise<number> {
    const kv = await this.bucket();
    const value = new TextEncoder().encode(JSON.stringify(table));
    try {
      return revision === 0
        ? await kv.create(table.service, value)
        : await kv.update(table.service, value, revision);
    } catch (error) {
      if (
        (error as { api_error?: { err_code?: number } }).api_error?.err_code === WRONG_LAST_SEQUENCE
      ) {
        throw new RoutesConflictError(table.service);
      }
      throw error;
    }
  }

  /** Opens the bucket, creating it on first use (file storage: tables survive a NATS restart). */
  private bucket(): Promise<KV> {
    this.kv ??= this.nc
      .jetstream()
      .views.kv(ROUTES_BUCKET, { history: ROUTES_HISTORY, storage: StorageType.File })
      .catch((error: unknown) => {
        this.kv = undefined;
        throw error;
      });
    return this.kv;
  }
}
