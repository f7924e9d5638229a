import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitFor } from './ports.util';
import { spawnManaged, waitForOutput, type ManagedProcess } from './process.util';
import { findBinary, type ServerHandle } from './servers';

export const CLUSTER_NAME = 'greenlight';
export const SENTINEL_MASTER_NAME = 'greenlight';
/** Short on purpose: a test sees a Redis failover within a few seconds. */
export const SENTINEL_DOWN_AFTER_MS = 1_000;
export const SENTINEL_FAILOVER_TIMEOUT_MS = 4_000;
const START_TIMEOUT_MS = 20_000;
/** A fresh cluster elects its JetStream meta leader after the routes form. */
const JETSTREAM_READY_TIMEOUT_MS = 30_000;

export const CLUSTER_ERRORS = {
  noNodes: (n: number) => `a cluster needs at least 1 node, got ${n}`,
  noMetaLeader: 'the NATS cluster has no JetStream meta leader',
  unknownNode: (name: string) => `no cluster node named ${name}`,
  noPrimary: 'no sentinel names a primary',
} as const;

export interface ClusterNodeHandle extends ServerHandle {
  /** Server name (JetStream peers and leaders are reported by name). */
  readonly name: string;
  /** HTTP monitoring port (/healthz, /jsz, /connz). */
  readonly monitorPort: number;
  running(): boolean;
  /** Starts it again after kill()/stop() (same ports, same data). */
  start(): Promise<void>;
}

interface NodeSpec {
  name: string;
  command: string;
  args: string[];
  ready: RegExp;
  port: number;
  monitorPort: number;
  url: string;
  dir: string;
  logFile?: string;
  detached?: boolean;
  /** Extra readiness after the output matched (e.g. JetStream caught up). */
  settle?: () => Promise<void>;
}

function managedNode(spec: NodeSpec): ClusterNodeHandle {
  let proc: ManagedProcess | undefined;
  const running = (): boolean =>
    proc !== undefined && proc.child.exitCode === null && proc.child.signalCode === null;
  const launch = async (): Promise<void> => {
    proc = spawnManaged(spec.name, spec.command, spec.args, {
      ...(spec.logFile ? { logFile: spec.logFile } : {}),
      detached: spec.detached ?? false,
    });
    await waitForOutput(proc, spec.ready, START_TIMEOUT_MS);
    await spec.settle?.();
  };
  return {
    name: spec.name,
    url: spec.url,
    port: spec.port,
    monitorPort: spec.monitorPort,
    dir: spec.dir,
    running,
    process: () => {
      if (!proc) throw new Error(`${spec.name} was never started`);
      return proc;
    },
    start: launch,
    stop: async () => proc?.stop(),
    kill: async () => proc?.kill(),
    restart: async () => {
      await proc?.stop();
      await launch();
    },
    dispose: async () => proc?.stop(),
  };
}

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    if (response.status !== 200) {
      await response.body?.cancel();
      return undefined;
    }
    return (await response.json()) as T;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// NATS

export interface NatsCluster {
  readonly nodes: readonly ClusterNodeHandle[];
  /** Every node's client URL, comma-separated: what NATS_URL takes. */
  readonly urls: string;
  node(name: string): ClusterNodeHandle;
  /** Name of the JetStream meta leader the running nodes agree on; throws while there is none. */
  metaLeader(): Promise<string>;
  /** The running nodes a client connection with this name (e.g. `greenlight-orchestrator`) is on. */
  nodesServing(connectionName: string): Promise<ClusterNodeHandle[]>;
  /** Resolves once every running node reports JetStream healthy (meta leader known, streams current). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

export interface NatsClusterOptions {
  nodes?: number;
  /** Each node's output goes to `<logDir>/nats-<name>.log`. */
  logDir?: string;
  detached?: boolean;
}

interface Jsz {
  meta_cluster?: { leader?: string };
}
interface Connz {
  connections?: { name?: string }[];
}

/**
 * Nodes of one NATS cluster with JetStream on loopback: client, route and monitor ports free,
 * each its own store directory and server name. kill()/restart() one node to test a loss.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const count = options.nodes ?? 3;
  if (count < 1) throw new Error(CLUSTER_ERRORS.noNodes(count));
  const root = mkdtempSync(join(tmpdir(), 'greenlight-nats-cluster-'));
  const ports = await Promise.all(
    Array.from({ length: count }, async () => ({
      client: await freePort(),
      route: await freePort(),
      monitor: await freePort(),
    })),
  );
  const routes = ports.map((p) => `nats-route://127.0.0.1:${p.route}`);
  const command = process.env['NATS_SERVER_BIN'] ?? findBinary('nats-server');

  const healthy = async (monitorPort: number): Promise<boolean> =>
    (await getJson(`http://127.0.0.1:${monitorPort}/healthz`)) !== undefined;

  const nodes = ports.map((p, i) => {
    const name = `n${i + 1}`;
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'nats.conf');
    writeFileSync(
      config,
      [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${p.client}`,
        `http: 127.0.0.1:${p.monitor}`,
        `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))} }`,
        `cluster {`,
        `  name: ${CLUSTER_NAME}`,
        `  listen: 127.0.0.1:${p.route}`,
        `  routes: [${routes.filter((_, j) => j !== i).join(', ')}]`,
        `}`,
        '',
      ].join('\n'),
    );
    return managedNode({
      name,
      command,
      args: ['-c', config],
      ready: /Server is ready/,
      port: p.client,
      monitorPort: p.monitor,
      url: `nats://127.0.0.1:${p.client}`,
      dir,
      ...(options.logDir ? { logFile: join(options.logDir, `nats-${name}.log`) } : {}),
      detached: options.detached ?? false,
      // Back only once JetStream is current here (a quorum formed, its streams caught up).
      settle: () =>
        waitFor(() => healthy(p.monitor), {
          timeoutMs: JETSTREAM_READY_TIMEOUT_MS,
          intervalMs: 100,
          what: `${name} to report JetStream healthy`,
        }).then(() => undefined),
    });
  });

  const running = () => nodes.filter((n) => n.running());
  /** The meta leader the running nodes agree on, if it is itself running. */
  const liveMetaLeader = async (): Promise<string | undefined> => {
    const views = await Promise.all(
      running().map((n) => getJson<Jsz>(`http://127.0.0.1:${n.monitorPort}/jsz`)),
    );
    const leaders = new Set(views.map((jsz) => jsz?.meta_cluster?.leader));
    const [leader] = [...leaders];
    return leaders.size === 1 && running().some((n) => n.name === leader) ? leader : undefined;
  };

  const waitHealthy = async (timeoutMs = JETSTREAM_READY_TIMEOUT_MS): Promise<void> => {
    await waitFor(
      async () =>
        (await Promise.all(running().map((n) => healthy(n.monitorPort)))).every(Boolean) &&
        (await liveMetaLeader()) !== undefined,
      {
        timeoutMs,
        intervalMs: 100,
        what: 'a JetStream meta leader and every running node healthy',
      },
    );
  };

  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    node: (name) => {
      const found = nodes.find((n) => n.name === name);
      if (!found) throw new Error(CLUSTER_ERRORS.unknownNode(name));
      return found;
    },
    metaLeader: async () => {
      const leader = await liveMetaLeader();
      if (!leader) throw new Error(CLUSTER_ERRORS.noMetaLeader);
      return leader;
    },
    nodesServing: async (connectionName) => {
      const serving: ClusterNodeHandle[] = [];
      for (const node of running()) {
        const connz = await getJson<Connz>(`http://127.0.0.1:${node.monitorPort}/connz?limit=1024`);
        if (connz?.connections?.some((c) => c.name === connectionName)) serving.push(node);
      }
      return serving;
    },
    waitHealthy,
    dispose: async () => {
      await Promise.all(nodes.map((n) => n.dispose()));
      rmSync(root, { recursive: true, force: true });
    },
  };

  try {
    // Side by side: each node waits for its routes, and the meta group needs a quorum.
    await Promise.all(nodes.map((n) => n.start()));
    await waitHealthy();
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
  return cluster;
}

// ---------------------------------------------------------------------------------------------
// Redis + Sentinel

export interface RedisSentinelSet {
  /** The first primary and its replica; after a failover their roles swap. */
  readonly nodes: readonly ClusterNodeHandle[];
  readonly sentinels: readonly ClusterNodeHandle[];
  /** `host:port,…` of the sentinels: what REDIS_SENTINELS takes. */
  readonly sentinelAddresses: string;
  readonly masterName: string;
  /** The node the sentinels currently name as primary. */
  primary(): Promise<ClusterNodeHandle>;
  /** Resolves with the new primary once the sentinels name another node than `previous` and it accepts writes. */
  waitForFailover(previous: ClusterNodeHandle, timeoutMs?: number): Promise<ClusterNodeHandle>;
  dispose(): Promise<void>;
}

export interface RedisSentinelOptions {
  /** Each process's output goes to `<logDir>/<name>.log`. */
  logDir?: string;
  detached?: boolean;
  masterName?: string;
}

async function askOnce<T>(port: number, ask: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await ask(client);
  } finally {
    client.disconnect();
  }
}

/**
 * A Redis primary, one replica (`replicaof`) and three sentinels (quorum 2) on loopback, with a
 * short down-after and failover timeout so a killed primary is replaced within seconds. Each
 * Redis node has its own config file, so the sentinels can rewrite its role across restarts.
 */
export async function startRedisSentinel(
  options: RedisSentinelOptions = {},
): Promise<RedisSentinelSet> {
  const masterName = options.masterName ?? SENTINEL_MASTER_NAME;
  const root = mkdtempSync(join(tmpdir(), 'greenlight-redis-sentinel-'));
  const command = process.env['REDIS_SERVER_BIN'] ?? findBinary('redis-server');
  const [primaryPort, replicaPort, ...sentinelPorts] = await Promise.all(
    Array.from({ length: 5 }, () => freePort()),
  );
  const logFile = (name: string) =>
    options.logDir ? { logFile: join(options.logDir, `${name}.log`) } : {};

  const redisNode = (name: string, port: number, replicaOf?: number): ClusterNodeHandle => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'redis.conf');
    writeFileSync(
      config,
      [
        'bind 127.0.0.1',
        `port ${port}`,
        `dir ${dir}`,
        'appendonly yes',
        'appendfsync everysec',
        'save ""',
        // A replica that comes back resyncs at once instead of waiting for more replicas.
        'repl-diskless-sync yes',
        'repl-diskless-sync-delay 0',
        ...(replicaOf ? [`replicaof 127.0.0.1 ${replicaOf}`] : []),
        '',
      ].join('\n'),
    );
    return managedNode({
      name,
      command,
      args: [config],
      ready: /Ready to accept connections/,
      port,
      monitorPort: port,
      url: `redis://127.0.0.1:${port}`,
      dir,
      detached: options.detached ?? false,
      ...logFile(name),
    });
  };
  const sentinelNode = (name: string, port: number): ClusterNodeHandle => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'sentinel.conf');
    writeFileSync(
      config,
      [
        'bind 127.0.0.1',
        `port ${port}`,
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${masterName} ${SENTINEL_DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${masterName} ${SENTINEL_FAILOVER_TIMEOUT_MS}`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    return managedNode({
      name,
      command,
      args: [config, '--sentinel'],
      ready: /Sentinel ID is|\+monitor master/,
      port,
      monitorPort: port,
      url: `redis://127.0.0.1:${port}`,
      dir,
      detached: options.detached ?? false,
      ...logFile(name),
    });
  };

  const nodes = [
    redisNode('redis-a', primaryPort!),
    redisNode('redis-b', replicaPort!, primaryPort),
  ];
  const sentinels = sentinelPorts.map((port, i) => sentinelNode(`sentinel-${i + 1}`, port));

  const primaryAddress = async (): Promise<number | undefined> => {
    for (const sentinel of sentinels.filter((s) => s.running())) {
      try {
        const reply = (await askOnce(sentinel.port, (c) =>
          c.call('SENTINEL', 'get-master-addr-by-name', masterName),
        )) as [string, string] | null;
        if (reply) return Number(reply[1]);
      } catch {
        // ask the next one
      }
    }
    return undefined;
  };
  const acceptsWrites = (node: ClusterNodeHandle): Promise<boolean> =>
    askOnce(node.port, async (c) => ((await c.call('ROLE')) as unknown[])[0] === 'master').catch(
      () => false,
    );

  const set: RedisSentinelSet = {
    nodes,
    sentinels,
    sentinelAddresses: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    masterName,
    primary: async () => {
      const port = await primaryAddress();
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(CLUSTER_ERRORS.noPrimary);
      return node;
    },
    waitForFailover: (previous, timeoutMs = 20_000) =>
      waitFor(
        async () => {
          const port = await primaryAddress();
          const node = nodes.find((n) => n.port === port && n !== previous);
          return node && (await acceptsWrites(node)) ? node : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `a new Redis primary in place of ${previous.name}` },
      ),
    dispose: async () => {
      await Promise.all([...sentinels, ...nodes].map((n) => n.dispose()));
      rmSync(root, { recursive: true, force: true });
    },
  };

  try {
    for (const node of nodes) await node.start();
    await Promise.all(sentinels.map((s) => s.start()));
    // A failover needs the sentinels to know the replica and each other (hello every 2 s).
    await waitFor(
      async () => {
        const views = await Promise.all(
          sentinels.map((s) =>
            askOnce(s.port, (c) => c.call('SENTINEL', 'master', masterName)).catch(() => []),
          ),
        );
        return views.every((view) => {
          const fields = view as string[];
          const get = (key: string) => fields[fields.indexOf(key) + 1];
          return (
            get('num-slaves') === '1' && get('num-other-sentinels') === String(sentinels.length - 1)
          );
        });
      },
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'the sentinels to find the replica and each other',
      },
    );
    await waitFor(
      () =>
        askOnce(nodes[1]!.port, async (c) =>
          /master_link_status:up/.test(await c.info('replication')),
        ).catch(() => false),
      { timeoutMs: 15_000, what: 'the replica to sync' },
    );
  } catch (error) {
    await set.dispose();
    throw error;
  }
  return set;
}
