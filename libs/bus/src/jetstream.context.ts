import { BaseRpcContext } from '@nestjs/microservices';
import type { JsMsg } from 'nats';

type JetStreamContextArgs = [msg: JsMsg, stream: string, durable: string];

/** What a handler knows about the message besides its payload. */
export class JetStreamContext extends BaseRpcContext<JetStreamContextArgs> {
  get message(): JsMsg {
    return this.args[0];
  }
  get subject(): string {
    return this.args[0].subject;
  }
  get stream(): string {
    return this.args[1];
  }
  get streamSeq(): number {
    return this.args[0].seq;
  }
  /** 1 on first delivery. */
  get deliveryCount(): number {
    return this.args[0].info.redeliveryCount;
  }
  /** The publisher's dedupe id (`Nats-Msg-Id`), when it set one. */
  get msgId(): string | undefined {
    return this.args[0].headers?.get('Nats-Msg-Id') || undefined;
  }
  /** A key that is the same on every redelivery of this message: for idempotent handling. */
  get deliveryKey(): string {
    return this.msgId ? `msg:${this.msgId}` : `seq:${this.stream}:${this.streamSeq}`;
  }
  /** Extends the ack deadline during long work. */
  working(): void {
    this.args[0].working();
  }
}
