import { Inject, Injectable } from '@nestjs/common';
import type { KV, NatsConnection } from 'nats';
import { NATS_CONNECTION } from '@greenlight/bus';
import {
  ROUTES_BUCKET,
  RoutingTableSchema,
  safeParse,
  type RoutingTable,
} from '@greenlight/contracts';

export const ROUTES_ERRORS = {
  unavailable: 'routing tables cannot be read now: NATS is unreachable',
  missing: (service: string) => `service "${service}" has no routing table yet`,
} as const;

export type RoutesOutcome =
  { status: 'found'; table: RoutingTable } | { status: 'missing' } | { status: 'unavailable' };

/** Reads routing tables from the KV bucket the traffic-shifter writes (read-only here). */
@Injectable()
export class RoutesService {
  private kv?: Promise<KV>;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async get(service: string): Promise<RoutesOutcome> {
    let entry;
    try {
      entry = await (await this.bucket()).get(service);
    } catch {
      this.kv = undefined;
      return { status: 'unavailable' };
    }
    if (!entry || entry.operation !== 'PUT') return { status: 'missing' };
    const parsed = safeParse(RoutingTableSchema, entry.json());
    return parsed.ok ? { status: 'found', table: parsed.value } : { status: 'missing' };
  }

  private bucket(): Promise<KV> {
    this.kv ??= this.nc.jetstream().views.kv(ROUTES_BUCKET, { history: 5 });
    return this.kv;
  }
}
