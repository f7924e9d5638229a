import { JSONCodec, connect, type NatsConnection } from 'nats';
import { ulid } from 'ulid';
import {
  commandSubject,
  eventSubject,
  type Envelope,
  type RoutingTable,
  type TrafficWeights,
} from '@greenlight/contracts';

const codec = JSONCodec<unknown>();
const CONFIRM_TIMEOUT_MS = 15_000;

export interface Pools {
  blue: { release: string; endpoints: string[] } | null;
  green: { release: string; endpoints: string[] } | null;
}

/**
 * Asks the traffic-shifter for a split the way the orchestrator does (a traffic.set command in
 * the event envelope) and resolves when the data plane confirmed it (traffic.shifted).
 */
export class RoutingClient {
  private version = 0;
  private readonly deploymentId = ulid();

  private constructor(private readonly nc: NatsConnection) {}

  static async connect(natsUrl: string): Promise<RoutingClient> {
    return new RoutingClient(await connect({ servers: natsUrl }));
  }

  async set(
    service: string,
    weights: TrafficWeights,
    pools: Pools,
    affinity: RoutingTable['affinity'] = 'none',
  ): Promise<number> {
    const version = ++this.version;
    const shifted = this.nc.subscribe(eventSubject('traffic.shifted', service, this.deploymentId));
    const rejected = this.nc.subscribe(
      eventSubject('command.rejected', service, this.deploymentId),
    );
    try {
      await this.nc.flush();
      const id = `${this.deploymentId}-bench-${version}`;
      const command: Envelope = {
        id,
        type: 'traffic.set',
        deploymentId: this.deploymentId,
        service,
        seq: version,
        at: new Date().toISOString(),
        actor: 'user:bench',
        causationId: null,
        data: { service, weights, version, pools, affinity },
      };
      await this.nc
        .jetstream()
        .publish(commandSubject('traffic.set', service), codec.encode(command), { msgID: id });
      await Promise.race([
        (async () => {
          for await (const m of shifted) {
            const event = codec.decode(m.data) as Envelope<{ version: number }>;
            if (event.data.version === version) return;
          }
        })(),
        (async () => {
          for await (const m of rejected) {
            const event = codec.decode(m.data) as Envelope<{ reason: string }>;
            throw new Error(`routing change ${version} refused: ${event.data.reason}`);
          }
        })(),
        new Promise((_, reject) =>
          setTimeout(
            () =>
              reject(
                new Error(`routing change ${version} not confirmed in ${CONFIRM_TIMEOUT_MS} ms`),
              ),
            CONFIRM_TIMEOUT_MS,
          ).unref(),
        ),
      ]);
      return version;
    } finally {
      shifted.unsubscribe();
      rejected.unsubscribe();
    }
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
