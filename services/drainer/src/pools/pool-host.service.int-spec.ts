import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { EventBus } from '@greenlight/bus';
import {
  DeployRequestSchema,
  type CommandMessage,
  type Envelope,
  type PoolEndpoint,
} from '@greenlight/contracts';
import { deployRequest } from '@greenlight/fixtures';
import {
  createPoolDrivers,
  ProcessPoolDriver,
  stopProcessPools,
  type PoolRecord,
} from '@greenlight/pools';
import { createRedisClient, PoolRepository } from '@greenlight/store';
import {
  findRepoRoot,
  startNatsServer,
  startRedisServer,
  waitFor,
  type ServerHandle,
} from '@greenlight/testing';
import type { Redis } from 'ioredis';
import type { DrainerConfig } from '../config/drainer.config';
import { PoolHostService } from './pool-host.service';

const codec = JSONCodec<Envelope>();
const SIM = 'greenlight-sim --port {port} --model {model} --version {version}';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('PoolHostService (real redis-server, nats-server and simulator processes)', () => {
  let nats: ServerHandle;
  let redisServer: ServerHandle;
  let nc: NatsConnection;
  let redis: Redis;
  let dataDir: string;
  let host: PoolHostService;
  let pools: PoolRepository<PoolRecord>;
  const events: Envelope[] = [];
  const pathPrepend = [join(findRepoRoot(), 'bin')];

  beforeAll(async () => {
    [nats, redisServer] = await Promise.all([startNatsServer(), startRedisServer()]);
    nc = await connect({ servers: nats.url });
    const sub = nc.subscribe('greenlight.evt.>');
    void (async () => {
      for await (const m of sub) events.push(codec.decode(m.data));
    })();
    // The events stream must exist for publishEvent's acks.
    await nc
      .jetstreamManager()
      .then((jsm) => jsm.streams.add({ name: 'GL_EVENTS', subjects: ['greenlight.evt.>'] }));
    redis = createRedisClient(redisServer.url, 'pool-host-int-spec');
    dataDir = mkdtempSync(join(tmpdir(), 'pool-host-'));
    pools = new PoolRepository<PoolRecord>(redis);
    const config = {
      POOL_DATA_DIR: dataDir,
      POOL_PATH: pathPrepend,
      POOL_DRIVERS: ['process', 'static'],
    } as unknown as DrainerConfig;
    host = new PoolHostService(
      createPoolDrivers(['process', 'static'], {
        process: { dataDir: join(dataDir, 'pools'), pathPrepend },
      }),
      pools,
      new EventBus(nc),
      config,
    );
  });
  afterAll(async () => {
    host?.onApplicationShutdown();
    await stopProcessPools(join(dataDir, 'pools'), { timeoutMs: 0 });
    redis?.disconnect();
    await nc?.close();
    await Promise.all([nats?.dispose(), redisServer?.dispose()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  function provisionCommand(
    deploymentId: string,
    version: string,
  ): CommandMessage<'pool.provision'> {
    const request = DeployRequestSchema.parse(
      deployRequest('chat-host', version, {
        pool: { driver: 'process', replicas: 2, command: SIM, stopTimeout: '5s' },
      }),
    );
    return {
      id: `${deploymentId}-2.pool.provision`,
      type: 'pool.provision',
      deploymentId,
      service: 'chat-host',
      seq: 2,
      at: new Date().toISOString(),
      actor: 'system:orchestrator',
      causationId: null,
      data: { release: request.release, pool: request.pool },
    };
  }

  const reported = (deploymentId: string, type: string) =>
    events.filter((e) => e.deploymentId === deploymentId && e.type === type);

  it('a start interrupted by a crash (claimed, replicas spawned, never recorded) is cleaned up, started once more, and reported once', async () => {
    const deploymentId = '01JAAAAAAAAAAAAAAAAAAAAAA1';
    const command = provisionCommand(deploymentId, 'v2');
    // What the crashed host left: its claim, and replicas it spawned but never recorded.
    await pools.claim({
      service: 'chat-host',
      release: 'v2',
      deploymentId,
      commandId: command.id,
      commandSeq: 2,
      state: 'starting',
      record: null,
      updatedAt: new Date().toISOString(),
    });
    const orphans = await new ProcessPoolDriver({
      dataDir: join(dataDir, 'pools'),
      pathPrepend,
    }).start({ service: 'chat-host', release: 'v2', pool: command.data.pool });
    const orphanPids = orphans.driver === 'process' ? orphans.replicas.map((r) => r.pid) : [];

    await host.provision(command);
    await host.provision(command); // redelivered

    await waitFor(() => reported(deploymentId, 'pool.provisioned').length > 0, {
      what: 'pool.provisioned',
    });
    await waitFor(() => orphanPids.every((pid) => !alive(pid)), { what: 'the orphans gone' });
    const entry = await pools.get('chat-host', 'v2');
    expect(entry?.state).toBe('running');
    const endpoints = (
      reported(deploymentId, 'pool.provisioned')[0]!.data as { endpoints: PoolEndpoint[] }
    ).endpoints;
    expect(endpoints).toHaveLength(2);
    // Both deliveries reported the same pool under one event id: stored once.
    expect(new Set(reported(deploymentId, 'pool.provisioned').map((e) => e.id)).size).toBe(1);
    const served = await Promise.all(
      endpoints.map(async ({ url }) => {
        const response = await waitFor(() => fetch(`${url}/health`).catch(() => undefined), {
          what: `${url} to answer`,
        });
        return response.status;
      }),
    );
    expect(served).toEqual([200, 200]);
  });

  it('another deployment asking for a release that already runs is refused with pool.failed, and the pool is left alone', async () => {
    const other = '01JAAAAAAAAAAAAAAAAAAAAAA2';

    await host.provision(provisionCommand(other, 'v2'));

    await waitFor(() => reported(other, 'pool.failed').length > 0, { what: 'pool.failed' });
    const failure = reported(other, 'pool.failed')[0]!.data as { reason: string; stage: string };
    expect(failure.stage).toBe('provision');
    expect(failure.reason).toMatch(/already runs for deployment 01JAAAAAAAAAAAAAAAAAAAAAA1/);
    expect((await pools.get('chat-host', 'v2'))?.state).toBe('running');
  });

  it('pool.stop stops every replica and reports the pool decommissioned; a repeat only reports it again', async () => {
    const deploymentId = '01JAAAAAAAAAAAAAAAAAAAAAA1';
    const record = (await pools.get('chat-host', 'v2'))!.record!;
    const pids = record.driver === 'process' ? record.replicas.map((r) => r.pid) : [];
    const stop: CommandMessage<'pool.stop'> = {
      ...provisionCommand(deploymentId, 'v2'),
      id: `${deploymentId}-5.pool.stop`,
      type: 'pool.stop',
      seq: 5,
      data: { release: 'v2', reason: 'test' },
    };

    await host.stop(stop);
    await host.stop(stop);

    expect(pids.every((pid) => !alive(pid))).toBe(true);
    expect((await pools.get('chat-host', 'v2'))?.state).toBe('stopped');
    await waitFor(() => reported(deploymentId, 'pool.decommissioned').length > 0, {
      what: 'pool.decommissioned',
    });
    // A replica that exits because it was stopped is not reported as a crash.
    expect(reported(deploymentId, 'pool.failed')).toEqual([]);
  });
});
