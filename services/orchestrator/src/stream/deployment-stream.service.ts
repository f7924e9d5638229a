import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection, Subscription } from 'nats';
import { NATS_CONNECTION } from '@greenlight/bus';
import {
  deploymentEventsFilter,
  EnvelopeSchema,
  eventTypeFilter,
  safeParse,
  serviceEventsFilter,
  type Deployment,
  type Envelope,
} from '@greenlight/contracts';
import { AuditService } from '../audit/audit.service';
import { DeploymentsService } from '../deployments/deployments.service';
import type { SseChannel } from './sse.util';
import {
  MAX_BUFFERED,
  RECORD_REFRESH_MS,
  RECORD_RESYNC_MS,
  STREAM_EVENTS,
} from './stream.constants';

const LIST_LIMIT = 200;

/**
 * Live views for the dashboard and `greenlight watch`: a deployment's record and audit log,
 * history first, then live. Live events come from core NATS (every JetStream publish is also
 * delivered there); the subscription opens before history is read, so nothing falls between
 * the two, and envelope ids drop what both delivered.
 */
@Injectable()
export class DeploymentStreamService {
  private readonly log = new Logger(DeploymentStreamService.name);

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly deployments: DeploymentsService,
    private readonly audit: AuditService,
  ) {}

  /** One deployment: `deployment` (record), `audit` (each event), `live` once history is sent. */
  async follow(initial: Deployment, channel: SseChannel): Promise<void> {
    const id = initial.id;
    const seen = new Set<string>();
    let buffered: Envelope[] | null = [];
    const refresh = this.recordRefresher(id, channel);

    const subscription = this.subscribe(deploymentEventsFilter(id), (envelope) => {
      if (buffered) {
        if (buffered.length < MAX_BUFFERED) buffered.push(envelope);
        return;
      }
      this.forward(envelope, seen, channel);
      refresh.soon();
    });
    channel.onClose(() => {
      subscription.unsubscribe();
      refresh.stop();
    });

    channel.send(STREAM_EVENTS.deployment, initial);
    for (const envelope of await this.history(id)) this.forward(envelope, seen, channel);
    const late = buffered;
    buffered = null;
    for (const envelope of late) this.forward(envelope, seen, channel);
    channel.send(STREAM_EVENTS.live, { at: new Date().toISOString() });
    // The record may have moved while history was read.
    refresh.soon();
  }

  /** Every deployment (of one service): the list at connect, then each record when it changes. */
  async followAll(service: string | undefined, channel: SseChannel): Promise<void> {
    const pending = new Map<string, NodeJS.Timeout>();
    const filter = service
      ? serviceEventsFilter(service)
      : eventTypeFilter('deployment.phase_changed');
    const subscription = this.subscribe(filter, (envelope) => {
      // Phase changes and operator actions change what a list shows; worker reports do not.
      if (!envelope.type.startsWith('deployment.')) return;
      if (pending.has(envelope.deploymentId)) return;
      pending.set(
        envelope.deploymentId,
        setTimeout(() => {
          pending.delete(envelope.deploymentId);
          void this.sendRecord(envelope.deploymentId, channel);
        }, RECORD_REFRESH_MS),
      );
    });
    channel.onClose(() => {
      subscription.unsubscribe();
      for (const timer of pending.values()) clearTimeout(timer);
    });
    const list = await this.deployments.list({
      limit: LIST_LIMIT,
      ...(service ? { service } : {}),
    });
    channel.send(STREAM_EVENTS.deployments, { items: list });
    channel.send(STREAM_EVENTS.live, { at: new Date().toISOString() });
  }

  private subscribe(filter: string, onEnvelope: (envelope: Envelope) => void): Subscription {
    return this.nc.subscribe(filter, {
      callback: (error, message) => {
        if (error) return this.log.warn(`live events (${filter}): ${error.message}`);
        let payload: unknown;
        try {
          payload = message.json();
        } catch {
          return;
        }
        const parsed = safeParse(EnvelopeSchema, payload);
        if (parsed.ok) onEnvelope(parsed.value);
      },
    });
  }

  private async history(id: string): Promise<Envelope[]> {
    try {
      return await this.audit.deploymentEvents(id);
    } catch (error) {
      // The record still streams; the audit log is readable again when NATS is back.
      this.log.warn(`history of ${id} unavailable: ${(error as Error).message}`);
      return [];
    }
  }

  private forward(envelope: Envelope, seen: Set<string>, channel: SseChannel): void {
    if (seen.has(envelope.id)) return;
    seen.add(envelope.id);
    channel.send(STREAM_EVENTS.audit, envelope, envelope.id);
  }

  private recordRefresher(id: string, channel: SseChannel) {
    let timer: NodeJS.Timeout | undefined;
    const resync = setInterval(() => void this.sendRecord(id, channel), RECORD_RESYNC_MS);
    return {
      soon: () => {
        timer ??= setTimeout(() => {
          timer = undefined;
          void this.sendRecord(id, channel);
        }, RECORD_REFRESH_MS);
      },
      stop: () => {
        clearTimeout(timer);
        clearInterval(resync);
      },
    };
  }

  private async sendRecord(id: string, channel: SseChannel): Promise<void> {
    if (channel.isClosed) return;
    try {
      const record = await this.deployments.get(id);
      if (record) channel.send(STREAM_EVENTS.deployment, record);
    } catch (error) {
      this.log.warn(`record of ${id} unavailable: ${(error as Error).message}`);
    }
  }
}
