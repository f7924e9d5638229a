import type { DataPlaneAck, GatewayHeartbeat } from '@greenlight/contracts';

export interface GatewayInstancesOptions {
  /** An instance silent for this long is no longer waited for. */
  ttlMs: number;
  /** How often instances announce themselves: the list is complete one period after listening starts. */
  heartbeatMs: number;
  /** Slack on top of one heartbeat period before the list counts as complete. */
  graceMs: number;
  now?: () => number;
}

export interface Confirmation {
  /** Live instances serving the version (empty: nobody serves the data plane right now). */
  instances: string[];
}

interface Instance {
  seenAt: number;
  /** service -> version, from the last heartbeat. */
  tables: Record<string, number>;
  /** service -> highest version acknowledged. */
  acked: Map<string, number>;
}

export const GATEWAY_ERRORS = {
  shuttingDown: 'the traffic-shifter is shutting down before the gateways confirmed',
  notConfirmed: (service: string, version: number, ms: number, missing: readonly string[]) =>
    `${service} v${version} not confirmed within ${ms} ms: gateway instance(s) ${missing.join(', ')} did not acknowledge it`,
} as const;

/**
 * The gateway instances the shifter must hear from, built from their heartbeats and acks, and the
 * waits for a routing-table version to be served by all of them. Event-driven: a wait is settled
 * by an ack, a heartbeat, an instance's silence running out, or its deadline, never by polling.
 */
export class GatewayInstanceRegistry {
  private readonly instances = new Map<string, Instance>();
  /** Pending waits: re-evaluate, or abort with an error. */
  private readonly waiters = new Map<() => void, (error: Error) => void>();
  private readonly now: () => number;
  /** Before this, an instance may be alive without us having heard its heartbeat yet. */
  private completeAt: number;

  constructor(private readonly options: GatewayInstancesOptions) {
    this.now = options.now ?? Date.now;
    this.completeAt = this.now() + options.heartbeatMs + options.graceMs;
  }

  /** Listening (re)started, e.g. after a reconnect: heartbeats sent meanwhile were missed. */
  restartListening(): void {
    this.completeAt = this.now() + this.options.heartbeatMs + this.options.graceMs;
  }

  heartbeat(beat: GatewayHeartbeat): void {
    const instance = this.instance(beat.instance);
    instance.tables = beat.tables;
    this.prune();
    this.evaluateAll();
  }

  ack(ack: DataPlaneAck): void {
    // An ack is a sign of life too, even before the instance's first heartbeat reached us.
    const instance = this.instance(ack.instance);
    if (ack.version > (instance.acked.get(ack.service) ?? -1)) {
      instance.acked.set(ack.service, ack.version);
    }
    this.evaluateAll();
  }

  /** Instances heard from within the TTL. */
  live(): string[] {
    const now = this.now();
    return [...this.instances]
      .filter(([, i]) => now - i.seenAt < this.options.ttlMs)
      .map(([id]) => id);
  }

  /**
   * Resolves once every live instance serves `version` of `service` or higher (acknowledged it,
   * or its heartbeat reports it); an instance that falls silent is no longer waited for. Rejects
   * after `timeoutMs`, naming the instances still missing.
   */
  waitFor(service: string, version: number, timeoutMs: number): Promise<Confirmation> {
    return new Promise((resolve, reject) => {
      let recheck: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(recheck);
        clearTimeout(deadline);
        this.waiters.delete(evaluate);
      };
      const deadline = setTimeout(() => {
        finish();
        const missing = this.missing(service, version).map(
          ({ id, serves }) => `${id} (serves ${serves < 0 ? 'no table' : `v${serves}`})`,
        );
        reject(new Error(GATEWAY_ERRORS.notConfirmed(service, version, timeoutMs, missing)));
      }, timeoutMs);
      const evaluate = (): void => {
        const now = this.now();
        const missing = this.missing(service, version);
        if (missing.length === 0 && now >= this.completeAt) {
          finish();
          resolve({ instances: this.live() });
          return;
        }
        // Look again when the first missing instance's silence runs out or the list completes.
        const wakeAt = Math.min(
          ...missing.map((m) => m.seenAt + this.options.ttlMs),
          now < this.completeAt ? this.completeAt : Number.POSITIVE_INFINITY,
        );
        clearTimeout(recheck);
        recheck = setTimeout(evaluate, Math.max(0, wakeAt - now));
      };
      this.waiters.set(evaluate, (error) => {
        finish();
        reject(error);
      });
      evaluate();
    });
  }

  /** Ends every pending wait with `reason` (shutting down: the commands will be redelivered). */
  abortAll(reason: string): void {
    for (const abort of [...this.waiters.values()]) abort(new Error(reason));
  }

  private missing(service: string, version: number) {
    const now = this.now();
    const out: { id: string; serves: number; seenAt: number }[] = [];
    for (const [id, instance] of this.instances) {
      if (now - instance.seenAt >= this.options.ttlMs) continue;
      const serves = Math.max(instance.tables[service] ?? -1, instance.acked.get(service) ?? -1);
      if (serves < version) out.push({ id, serves, seenAt: instance.seenAt });
    }
    return out;
  }

  private instance(id: string): Instance {
    let instance = this.instances.get(id);
    if (!instance) {
      instance = { seenAt: 0, tables: {}, acked: new Map() };
      this.instances.set(id, instance);
    }
    instance.seenAt = this.now();
    return instance;
  }

  /** Forget instances long gone, so a fleet of restarted gateways does not accumulate. */
  private prune(): void {
    const now = this.now();
    for (const [id, instance] of this.instances) {
      if (now - instance.seenAt > this.options.ttlMs * 10) this.instances.delete(id);
    }
  }

  private evaluateAll(): void {
    for (const evaluate of [...this.waiters.keys()]) evaluate();
  }
}
