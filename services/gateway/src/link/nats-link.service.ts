import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { connect, Events, type NatsConnection } from 'nats';
import { inboxPrefixFor } from '@greenlight/contracts';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import type { GatewayConfig } from '../config/gateway.config';

const FIRST_CONNECT_RETRY_MS = 500;
const CONNECT_TIMEOUT_MS = 2_000;
const DRAIN_TIMEOUT_MS = 2_000;
const RTT_TIMEOUT_MS = 1_000;

export const LINK_ERRORS = {
  notConnected: 'not connected to NATS',
  rttTimeout: `no answer from NATS within ${RTT_TIMEOUT_MS} ms`,
} as const;

type ConnectListener = (nc: NatsConnection) => void;

/**
 * The gateway's NATS connection, made in the background. Unlike @greenlight/bus (whose provider
 * resolves only once NATS answers, so Nest would not finish booting while NATS is down), the data
 * plane starts and serves without NATS: this retries the first connect until it succeeds, then
 * nats.js reconnects forever on its own.
 */
@Injectable()
export class NatsLink implements OnApplicationShutdown {
  private readonly logger = new Logger(NatsLink.name);
  private nc: NatsConnection | undefined;
  private connected = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly listeners: ConnectListener[] = [];
  private readonly reconnectListeners: (() => void)[] = [];
  private instanceId = '';

  constructor(@Inject(SERVICE_CONFIG) private readonly config: GatewayConfig) {}

  /** Who this gateway is in acks, heartbeats and metrics (known once it listens). */
  get instance(): string {
    return this.instanceId;
  }

  get connection(): NatsConnection | undefined {
    return this.nc;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Starts connecting; returns at once. */
  start(instance: string): void {
    this.instanceId = instance;
    void this.connectUntilUp();
  }

  /** Called once the first connection is up (at once if it already is). */
  onConnect(listener: ConnectListener): void {
    this.listeners.push(listener);
    if (this.nc) listener(this.nc);
  }

  /** Called after each reconnect (the server may have restarted and lost consumers). */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  /** Fire-and-forget JSON on core NATS; dropped while disconnected (live signals go stale). */
  publish(subject: string, payload: unknown): void {
    if (!this.nc || !this.connected) return;
    try {
      this.nc.publish(subject, Buffer.from(JSON.stringify(payload)));
    } catch (error) {
      this.logger.debug(`publish on ${subject} failed: ${(error as Error).message}`);
    }
  }

  /** Round trip to the server in ms; throws while disconnected. */
  async rtt(): Promise<number> {
    if (!this.nc || !this.connected) throw new Error(LINK_ERRORS.notConnected);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.nc.rtt(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(LINK_ERRORS.rttTimeout)), RTT_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      nc.drain().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!nc.isClosed()) await nc.close();
  }

  private async connectUntilUp(): Promise<void> {
    let warned = false;
    while (!this.stopped) {
      try {
        const nc = await connect({
          servers: this.config.NATS_URL.split(',').map((s) => s.trim()),
          name: `greenlight-gateway-${this.instanceId}`,
          timeout: CONNECT_TIMEOUT_MS,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          reconnectJitter: 100,
          ...(this.config.NATS_USER
            ? {
                user: this.config.NATS_USER,
                pass: this.config.NATS_PASSWORD ?? '',
                inboxPrefix: inboxPrefixFor(this.config.NATS_USER),
              }
            : {}),
        });
        if (this.stopped) {
          await nc.close();
          return;
        }
        this.adopt(nc);
        return;
      } catch (error) {
        if (!warned) {
          this.logger.warn(
            `NATS unreachable (${(error as Error).message}); serving the last routing tables, retrying in the background`,
          );
          warned = true;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, FIRST_CONNECT_RETRY_MS);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  private adopt(nc: NatsConnection): void {
    this.nc = nc;
    this.connected = true;
    this.logger.log(`connected to NATS at ${nc.getServer()}`);
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === Events.Disconnect && this.connected) {
          this.connected = false;
          this.logger.warn('lost NATS; serving the last routing tables, reconnecting');
        } else if (status.type === Events.Reconnect) {
          this.connected = true;
          this.logger.log(`reconnected to NATS at ${nc.getServer()}`);
          for (const listener of this.reconnectListeners) listener();
        }
      }
    })();
    void nc.closed().then(() => {
      this.connected = false;
    });
    for (const listener of this.listeners) listener(nc);
  }
}
