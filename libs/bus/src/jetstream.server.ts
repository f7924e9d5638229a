import { Logger } from '@nestjs/common';
import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  nanos,
} from 'nats';
import { lastValueFrom } from 'rxjs';
import { ulid } from 'ulid';
import { safeParse, SUBJECT_TOKEN, STREAMS } from '@greenlight/contracts';
import { runWithLogContext } from '@greenlight/telemetry';
import {
  ACK_WAIT_MS,
  BUS_ERRORS,
  EVENT_CONSUMER_LOOKBACK_MS,
  NAK_BASE_DELAY_MS,
  NAK_MAX_DELAY_MS,
  PULL_BATCH,
  PULL_EXPIRES_MS,
} from './bus.constants';
import type { BusMetrics } from './bus.metrics';
import type { BusOptions } from './bus.options';
import { EventBus } from './event-bus.service';
import { JetStreamContext } from './jetstream.context';
import { JETSTREAM_EXTRAS, type JetStreamHandlerOptions } from './jetstream.decorators';
import { ensureStreams, isNotFound, streamFor } from './streams.util';

type Outcome = 'acked' | 'retried' | 'rejected';

interface Issue {
  path: string;
  message: string;
}

/** Durable consumer names may not contain subject separators or wildcards. */
export function durableName(component: string, subject: string): string {
  return `${component}--${subject.replace(/\./g, '_').replace(/\*/g, 'any').replace(/>/g, 'all')}`;
}

export function nakDelay(deliveryCount: number): number {
  return Math.min(NAK_MAX_DELAY_MS, NAK_BASE_DELAY_MS * 2 ** Math.max(0, deliveryCount - 1));
}

/**
 * Nest microservice transport over JetStream pull consumers. Each `@OnJetStream` handler gets a
 * durable consumer shared by every replica of the component; a message is acked only after its
 * handler succeeded, so nothing acknowledged is lost when a process dies mid-work.
 */
export class JetStreamServer extends Server implements CustomTransportStrategy {
  private readonly log = new Logger('JetStream');
  private readonly subscriptions: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];
  private closing = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly bus: EventBus,
    private readonly options: BusOptions,
    private readonly metrics?: BusMetrics,
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const jsm = await this.nc.jetstreamManager();
      await ensureStreams(jsm, this.options.replicas ?? 1);
      for (const [subject, handler] of this.messageHandlers) {
        await this.subscribe(jsm, subject, handler);
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.subscriptions.map((s) => s.close().catch(() => undefined)));
    await Promise.all(this.loops);
  }

  on(): never {
    throw new Error('JetStreamServer does not emit transport events');
  }

  unwrap<T>(): T {
    return this.nc as T;
  }

  private async subscribe(jsm: JetStreamManager, subject: string, handler: MessageHandler) {
    const options = (handler.extras?.[JETSTREAM_EXTRAS] ?? {}) as JetStreamHandlerOptions;
    const stream = streamFor(subject);
    const durable = options.durable ?? durableName(this.options.component, subject);
    await this.ensureConsumer(jsm, stream, durable, subject);
    const consumer = await this.nc.jetstream().consumers.get(stream, durable);
    const concurrency = Math.max(1, options.concurrency ?? 1);
    const messages = await consumer.consume({
      max_messages: Math.max(PULL_BATCH, concurrency),
      expires: PULL_EXPIRES_MS,
    });
    this.subscriptions.push(messages);
    this.loops.push(
      (async () => {
        const running = new Set<Promise<void>>();
        for await (const m of messages) {
          if (this.closing) break;
          const task = this.handle(m, stream, durable, subject, handler, options).catch(
            (error: unknown) => this.log.error(`${m.subject} not handled: ${describe(error)}`),
          );
          running.add(task);
          void task.finally(() => running.delete(task));
          if (running.size >= concurrency) await Promise.race(running);
        }
        await Promise.all(running);
      })().catch((error: unknown) =>
        this.log.error(`consumer ${durable} stopped: ${String(error)}`),
      ),
    );
    this.log.log(`consuming ${subject} as ${stream}/${durable}`);
  }

  private async ensureConsumer(
    jsm: JetStreamManager,
    stream: string,
    durable: string,
    subject: string,
  ): Promise<void> {
    try {
      await jsm.consumers.info(stream, durable);
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const start =
      stream === STREAMS.events
        ? {
            deliver_policy: DeliverPolicy.StartTime,
            opt_start_time: new Date(Date.now() - EVENT_CONSUMER_LOOKBACK_MS).toISOString(),
          }
        : { deliver_policy: DeliverPolicy.All };
    try {
      await jsm.consumers.add(stream, {
        durable_name: durable,
        filter_subject: subject,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(ACK_WAIT_MS),
        max_deliver: -1,
        max_ack_pending: 256,
        ...start,
      });
    } catch (error) {
      // Another replica created it first (nats-server words that "already in use", or, when
      // the start times differ, "start time can not be updated"): sharing it is the point.
      const exists = await jsm.consumers.info(stream, durable).then(
        () => true,
        () => false,
      );
      if (!exists) throw error;
    }
  }

  private async handle(
    m: JsMsg,
    stream: string,
    durable: string,
    subject: string,
    handler: MessageHandler,
    options: JetStreamHandlerOptions,
  ): Promise<void> {
    const context = new JetStreamContext([m, stream, durable]);
    const timer = this.metrics?.handleSeconds.startTimer({ handler: subject });
    const outcome = await this.process(m, context, handler, options);
    timer?.();
    this.metrics?.messages.inc({ handler: subject, outcome });
  }

  private async process(
    m: JsMsg,
    context: JetStreamContext,
    handler: MessageHandler,
    options: JetStreamHandlerOptions,
  ): Promise<Outcome> {
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(m.data));
    } catch {
      return this.reject(m, context, options, undefined, [
        { path: '(root)', message: BUS_ERRORS.invalidJson },
      ]);
    }
    if (options.schema) {
      const parsed = safeParse(options.schema, payload);
      if (!parsed.ok) return this.reject(m, context, options, payload, parsed.issues);
      payload = parsed.value;
    }
    const deploymentId = field(payload, 'deploymentId');
    // Long handlers keep the message theirs: tell JetStream we are still working on it.
    const heartbeat = setInterval(() => m.working(), ACK_WAIT_MS / 2);
    try {
      await runWithLogContext(
        { subject: m.subject, ...(deploymentId ? { deploymentId } : {}) },
        async () => {
          const result: unknown = await handler(payload, context);
          await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
        },
      );
      m.ack();
      return 'acked';
    } catch (error) {
      const delay = nakDelay(context.deliveryCount);
      this.log.warn(
        `${m.subject} #${context.streamSeq} failed (delivery ${context.deliveryCount}), retry in ${delay} ms: ${describe(error)}`,
      );
      m.nak(delay);
      return 'retried';
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async reject(
    m: JsMsg,
    context: JetStreamContext,
    options: JetStreamHandlerOptions,
    payload: unknown,
    issues: Issue[],
  ): Promise<Outcome> {
    const reason = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    this.log.warn(`rejected ${m.subject} #${context.streamSeq}: ${reason}`);
    if (options.rejectSubject) {
      const service = field(payload, 'service');
      try {
        await this.bus.publish(
          options.rejectSubject,
          {
            id: ulid(),
            type: options.rejectType ?? 'command.rejected',
            at: new Date().toISOString(),
            actor: `system:${this.options.component}`,
            causationId: context.msgId ?? `${context.stream}:${context.streamSeq}`,
            data: {
              reason,
              issues,
              requestId: context.msgId ?? null,
              service: service && SUBJECT_TOKEN.test(service) ? service : null,
              command: m.subject,
            },
          },
          { msgID: `rejected:${context.deliveryKey}` },
        );
      } catch (error) {
        // The rejection is part of handling: retry rather than drop it silently.
        m.nak(nakDelay(context.deliveryCount));
        this.log.warn(`could not publish rejection: ${describe(error)}`);
        return 'retried';
      }
    }
    m.term();
    return 'rejected';
  }
}

function field(payload: unknown, key: string): string | undefined {
  if (payload && typeof payload === 'object' && key in payload) {
    const value = (payload as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) return String(error.message);
  return String(error);
}
