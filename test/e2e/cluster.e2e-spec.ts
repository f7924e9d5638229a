import { connect, type NatsConnection } from 'nats';
import { STREAMS } from '@greenlight/contracts';
import { kvStreamName, KV_BUCKETS } from '@greenlight/bus';
import {
  deployRequest,
  ENDED_PHASES,
  FAST_CACHES,
  fastSimCommand,
  fastStrategy,
  failuresOf,
  startTraffic,
  type Traffic,
} from '@greenlight/fixtures';
import {
  startNatsCluster,
  startRedisSentinel,
  startStack,
  waitFor,
  type NatsCluster,
  type RedisSentinelSet,
  type Stack,
} from '@greenlight/testing';
import { apiClient, type PhaseEvent } from '../support/api.util';

/**
 * greenlight beyond one machine: every service talks to a three-node NATS cluster (streams,
 * durable consumers and the routes KV replicated 3x) and finds Redis through three Sentinels.
 * A real deploy under steady traffic loses the JetStream meta leader in Canary and the Redis
 * primary in Ramping, and still ends Completed with nothing lost and no client noticing.
 */
const SERVICE = 'chat-ha';
const SIM = fastSimCommand();
const STRATEGY = fastStrategy({
  // Bakes long enough that each loss lands inside its phase and the recovery inside the bake.
  steps: [{ weight: 20, bake: '8s' }, { weight: 60, bake: '8s' }, { weight: 100 }],
  analysis: { maxBakeExtensions: 10, minSamples: 20 },
  standby: '3s',
});
const CACHES = FAST_CACHES;

interface DeploymentView {
  id: string;
  phase: string;
  reason: string | null;
}

describe('beyond one machine: a deploy survives losing a NATS node and the Redis primary', () => {
  let nats: NatsCluster;
  let redis: RedisSentinelSet;
  let stack: Stack;
  let api: ReturnType<typeof apiClient>;
  let probe: NatsConnection | undefined;
  let traffic: Traffic | undefined;

  const deploy = async (version: string) => {
    const created = await api.post<{ id: string }>(
      '/v1/deployments',
      deployRequest(SERVICE, version, {
        pool: { driver: 'process', replicas: 2, command: SIM },
        strategy: STRATEGY,
        caches: CACHES,
      }),
    );
    expect(created.status).toBe(202);
    return created.body.id;
  };
  // The API itself may answer 5xx for a moment while Redis fails over: poll through it.
  const get = async (id: string) => {
    const response = await api.get<DeploymentView>(`/v1/deployments/${id}`);
    if (response.status !== 200) throw new Error(`GET deployment: ${response.status}`);
    return response.body;
  };
  const inPhase = (id: string, phases: readonly string[], timeoutMs = 90_000) =>
    waitFor(
      async () => {
        const d = await get(id);
        if (ENDED_PHASES.includes(d.phase) && !phases.includes(d.phase)) {
          throw new Error(`ended ${d.phase} (${d.reason ?? ''}) before ${phases.join('/')}`);
        }
        return phases.includes(d.phase) ? d : undefined;
      },
      { what: phases.join(' or '), timeoutMs, intervalMs: 200 },
    );
  const phasesOf = async (id: string) =>
    (await api.get<{ items: PhaseEvent[] }>(`/v1/deployments/${id}/events`)).body.items.filter(
      (e) => e.type === 'deployment.phase_changed',
    );

  beforeAll(async () => {
    const logDir = 'tmp/e2e-logs/cluster';
    [nats, redis] = await Promise.all([
      startNatsCluster({ nodes: 3, logDir }),
      startRedisSentinel({ logDir }),
    ]);
    const primary = await redis.primary();
    stack = await startStack({
      // The stack's own URLs are overridden below; these handles are only for its bookkeeping.
      infra: { nats: nats.nodes[0]!, redis: primary, dispose: async () => undefined },
      env: {
        NATS_URL: nats.urls,
        NATS_STREAM_REPLICAS: '3',
        REDIS_URL: primary.url,
        REDIS_SENTINELS: redis.sentinelAddresses,
        REDIS_SENTINEL_NAME: redis.masterName,
      },
      logDir,
      // Seven services next to eight servers: give a busy CI machine room to boot them.
      readyTimeoutMs: 60_000,
    });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
    probe = await connect({ servers: nats.urls.split(',') });
    const first = await deploy('v1');
    expect((await inPhase(first, ENDED_PHASES)).phase).toBe('Completed');
  });
  afterAll(async () => {
    await traffic?.stop();
    await probe?.close();
    await stack?.dispose();
    await Promise.all([nats?.dispose(), redis?.dispose()]);
  });

  it('keeps the audit log, the routes and the durable consumers on three NATS nodes', async () => {
    const jsm = await probe!.jetstreamManager();
    const replicas = async (stream: string) => (await jsm.streams.info(stream)).config.num_replicas;

    expect(await replicas(STREAMS.events)).toBe(3);
    expect(await replicas(STREAMS.commands)).toBe(3);
    for (const { bucket } of KV_BUCKETS) expect(await replicas(kvStreamName(bucket))).toBe(3);
    const consumers = await jsm.consumers.list(STREAMS.commands).next();
    expect(consumers.length).toBeGreaterThan(0);
    expect(consumers.every((c) => c.config.num_replicas === 0 || c.config.num_replicas === 3)).toBe(
      true,
    );
    expect(consumers.every((c) => (c.cluster?.replicas?.length ?? 0) === 2)).toBe(true);
  });

  it('v2 ends Completed with a complete audit log and no failed request, though the NATS meta leader dies in Canary and the Redis primary in Ramping', async () => {
    traffic = startTraffic({ origin: stack.urls.gateway, model: SERVICE, clients: 6 });
    const id = await deploy('v2');

    await inPhase(id, ['Canary']);
    const leader = nats.node(await nats.metaLeader());
    await leader.kill();
    await nats.waitHealthy();
    expect(await nats.metaLeader()).not.toBe(leader.name);

    await inPhase(id, ['Ramping']);
    const primary = await redis.primary();
    await primary.kill();
    const promoted = await redis.waitForFailover(primary);
    expect(promoted).not.toBe(primary);

    // Both come back as an operator would bring them back; the deploy does not wait for them.
    await Promise.all([leader.start(), primary.start()]);
    const done = await inPhase(id, ENDED_PHASES, 120_000);
    const outcomes = await traffic.stop();
    traffic = undefined;

    expect(done).toMatchObject({ phase: 'Completed' });
    const phases = await phasesOf(id);
    expect(phases.map((e) => e.data.to)).toEqual([
      'Requested',
      'Provisioning',
      'WarmingUp',
      'Verifying',
      'Canary',
      'Ramping',
      'Ramping',
      'Promoted',
      'Draining',
      'Standby',
      'Completed',
    ]);
    // Each transition once, in order: no gap, no duplicate from a redelivered command.
    const seqs = phases.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(phases.slice(1).every((e, i) => e.data.from === phases[i]!.data.to)).toBe(true);
    // Clients saw both releases and not one failed or cut request.
    expect(new Set(outcomes.map((o) => o.version))).toEqual(new Set(['v1', 'v2']));
    expect(failuresOf(outcomes)).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(50);
  });
});
