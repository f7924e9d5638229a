import { connect } from 'nats';
import { startNatsCluster, startRedisSentinel } from './cluster';
import { waitFor } from './ports.util';

describe('cluster harness', () => {
  it('a three-node NATS cluster elects a new JetStream meta leader when its leader dies; the node rejoins', async () => {
    const cluster = await startNatsCluster({ nodes: 3 });
    const nc = await connect({ servers: cluster.urls.split(',') });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'HA', subjects: ['ha.>'], num_replicas: 3 });
      const leader = cluster.node(await cluster.metaLeader());

      await leader.kill();
      await cluster.waitHealthy();
      const js = nc.jetstream();
      await waitFor(() => js.publish('ha.one', new Uint8Array([1])).catch(() => false), {
        what: 'a publish on the remaining two nodes',
        timeoutMs: 15_000,
      });
      await leader.start();

      expect(await cluster.metaLeader()).not.toBe(leader.name);
      expect(leader.running()).toBe(true);
      expect((await jsm.streams.info('HA')).state.messages).toBe(1);
    } finally {
      await nc.close();
      await cluster.dispose();
    }
  });

  it('Sentinels promote the replica when the Redis primary dies; the restarted old primary does not take the role back', async () => {
    const set = await startRedisSentinel();
    try {
      const old = await set.primary();

      await old.kill();
      const promoted = await set.waitForFailover(old, 15_000);
      await old.start();

      expect(promoted).not.toBe(old);
      expect(await set.primary()).toBe(promoted);
    } finally {
      await set.dispose();
    }
  });
});
