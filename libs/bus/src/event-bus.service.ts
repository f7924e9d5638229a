import { Inject, Injectable } from '@nestjs/common';
import {
  AckPolicy,
  DeliverPolicy,
  Events,
  JSONCodec,
  nanos,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type PubAck,
} from 'nats';
import {
  commandSubject,
  EVENT_SCHEMAS,
  eventSubject,
  type Envelope,
  type EventData,
  type EventType,
  type EventTypeName,
} from '@greenlight/contracts';
import { NATS_CONNECTION } from './bus.constants';
import { streamFor } from './streams.util';

const codec = JSONCodec<unknown>();

export interface PublishOptions {
  /** JetStream dedupe id: a retried publish with the same id is stored once. */
  msgID?: string;
  timeoutMs?: number;
}

export interface StoredMessage<T = unknown> {
  /** Stream sequence: a cursor for `since`. */
  streamSeq: number;
  subject: string;
  time: string;
  data: T;
}

export interface ReadOptions {
  /** Only messages stored at or after this time. */
  sinceTime?: Date;
  /** Only messages with a stream sequence greater than this. */
  afterSeq?: number;
  limit?: number;
}

/** Publishes events and commands to JetStream and reads them back (the audit log). */
@Injectable()
export class EventBus {
  private readonly js: JetStreamClient;
  private jsmPromise?: Promise<JetStreamManager>;

  private connected = true;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {
    this.js = nc.jetstream();
    void this.trackConnection();
  }

  /** False while the client is between servers: callers with a fallback (an outbox) need not wait for a timeout. */
  isConnected(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  private async trackConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === Events.Disconnect) this.connected = false;
      if (status.type === Events.Reconnect) this.connected = true;
    }
  }

  publishEvent<T>(envelope: Envelope<T>): Promise<PubAck> {
    const subject = eventSubject(
      envelope.type as EventTypeName,
      envelope.service,
      envelope.deploymentId,
    );
    return this.publish(subject, envelope, { msgID: envelope.id });
  }

  /**
   * Publishes what a service found while handling `cause` (a command or event of one deployment).
   * The id is derived from the cause and `key`, so a redelivered command that reports the same
   * thing again is stored once; the data is checked against the contract before it leaves.
   */
  reply<T extends EventType>(
    cause: Pick<Envelope, 'id' | 'deploymentId' | 'service' | 'seq'>,
    type: T,
    data: EventData<T>,
    options: { actor: string; key?: string },
  ): Promise<PubAck> {
    const checked = EVENT_SCHEMAS[type].parse(data);
    return this.publishEvent({
      id: `${cause.id}:${type}${options.key ? `:${options.key}` : ''}`,
      type,
      deploymentId: cause.deploymentId,
      service: cause.service,
      seq: cause.seq,
      at: new Date().toISOString(),
      actor: options.actor,
      causationId: cause.id,
      data: checked,
    });
  }

  sendCommand<T>(type: EventTypeName, service: string, payload: T, options: PublishOptions = {}) {
    return this.publish(commandSubject(type, service), payload, options);
  }

  async publish(subject: string, payload: unknown, options: PublishOptions = {}): Promise<PubAck> {
    return this.js.publish(subject, codec.encode(payload), {
      ...(options.msgID ? { msgID: options.msgID } : {}),
      timeout: options.timeoutMs ?? 5_000,
    });
  }

  /** Reads stored messages matching `filter` in stream order, without disturbing any consumer. */
  async read<T = unknown>(filter: string, options: ReadOptions = {}): Promise<StoredMessage<T>[]> {
    const stream = streamFor(filter);
    const jsm = await this.jsm();
    const limit = Math.max(1, Math.min(options.limit ?? 1_000, 10_000));
    const start =
      options.afterSeq !== undefined
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.afterSeq + 1 }
        : options.sinceTime
          ? {
              deliver_policy: DeliverPolicy.StartTime,
              opt_start_time: options.sinceTime.toISOString(),
            }
          : { deliver_policy: DeliverPolicy.All };
    const info = await jsm.consumers.add(stream, {
      ...start,
      filter_subject: filter,
      ack_policy: AckPolicy.None,
      inactive_threshold: nanos(30_000),
      mem_storage: true,
      num_replicas: 1,
    });
    try {
      const wanted = Math.min(info.num_pending, limit);
      const out: StoredMessage<T>[] = [];
      if (wanted === 0) return out;
      const consumer = await this.js.consumers.get(stream, info.name);
      const messages = await consumer.fetch({ max_messages: wanted, expires: 5_000 });
      let seen = 0;
      for await (const m of messages) {
        seen += 1;
        let data: T;
        try {
          data = codec.decode(m.data) as T;
        } catch {
          // Bytes that are not JSON (published by a misbehaving client) are no one's event.
          if (seen >= wanted) break;
          continue;
        }
        out.push({
          streamSeq: m.seq,
          subject: m.subject,
          time: new Date(Math.floor(m.info.timestampNanos / 1e6)).toISOString(),
          data,
        });
        if (seen >= wanted) break;
      }
      return out;
    } finally {
      await jsm.consumers.delete(stream, info.name).catch(() => undefined);
    }
  }

  private jsm(): Promise<JetStreamManager> {
    this.jsmPromise ??= this.nc.jetstreamManager();
    return this.jsmPromise;
  }
}
