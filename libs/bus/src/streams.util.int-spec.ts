import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { ROUTES_BUCKET, STREAMS } from '@greenlight/contracts';
import { startNatsCluster, startNatsServer, waitFor, type NatsCluster } from '@greenlight/testing';
import { BusModule } from './bus.module';
import { OnJetStream } from './jetstream.decorators';
import { JetStreamServer } from './jetstream.server';
import { ensureStreams, kvStreamName, streamConfigs } from './streams.util';

const codec = JSONCodec<{ n: number }>();
const WORK = 'greenlight.cmd.test.ha.svc';

describe('streams on a three-node cluster', () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;

  beforeAll(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
    nc = await connect({ servers: cluster.urls.split(',') });
  });
  afterAll(async () => {
    await nc?.close();
    await cluster?.dispose();
  });

  it('raises streams and the routes bucket made with one replica to three, keeping their messages', async () => {
    const jsm = await nc.jetstreamManager();
    // An older greenlight (or a service's own views.kv) made them R1.
    for (const config of streamConfigs(1)) await jsm.streams.add(config);
    await nc.jetstream().views.kv(ROUTES_BUCKET, { history: 5 });
    await nc
      .jetstream()
      .publish('greenlight.evt.deployment.phase_changed.chat.d1', codec.encode({ n: 1 }));

    await ensureStreams(jsm, 3);
    await ensureStreams(jsm, 1); // a process still configured for R1 shrinks nothing

    for (const name of [STREAMS.events, STREAMS.commands, kvStreamName(ROUTES_BUCKET)]) {
      expect({ name, replicas: (await jsm.streams.info(name)).config.num_replicas }).toEqual({
        name,
        replicas: 3,
      });
    }
    expect((await jsm.streams.info(STREAMS.events)).state.messages).toBe(1);
  });

  it('a durable consumer handles every command, though the node leading its stream dies mid-way', async () => {
    const handled: number[] = [];
    @Controller()
    class WorkHandler {
      // Records the value: a redelivery after the leader change only repeats it.
      @OnJetStream(WORK)
      work(@Payload() body: { n: number }): void {
        handled.push(body.n);
      }
    }
    @Module({
      imports: [BusModule.forRoot({ servers: cluster.urls, component: 'ha-test', replicas: 3 })],
      controllers: [WorkHandler],
    })
    class TestModule {}
    const ref = await Test.createTestingModule({ imports: [TestModule] }).compile();
    const app: INestMicroservice = ref.createNestMicroservice({
      strategy: ref.get(JetStreamServer),
    });
    await app.listen();
    const js = nc.jetstream();
    const publish = (n: number) =>
      waitFor(() => js.publish(WORK, codec.encode({ n }), { msgID: `w${n}` }).catch(() => false), {
        what: `command ${n} stored`,
        timeoutMs: 20_000,
      });
    try {
      for (let n = 0; n < 20; n++) await publish(n);
      const jsm = await nc.jetstreamManager();
      const leader = (await jsm.streams.info(STREAMS.commands)).cluster?.leader ?? '';

      await cluster.node(leader).kill();
      for (let n = 20; n < 40; n++) await publish(n);
      // A pull request lost with the old consumer leader is renewed when it expires
      // (PULL_EXPIRES_MS, 5 s), not after nats.js's default 30 s.
      await waitFor(() => new Set(handled).size === 40, {
        what: 'all 40 commands handled',
        timeoutMs: 25_000,
      });
      await cluster.node(leader).start();

      expect([...new Set(handled)].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 40 }, (_, i) => i),
      );
    } finally {
      await app.close();
    }
  }, 120_000);
});

describe('streams on a single server', () => {
  it('asked for three replicas, still creates the streams (with one) instead of failing the service', async () => {
    const nats = await startNatsServer();
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await nc.jetstreamManager();

      await ensureStreams(jsm, 3);

      expect((await jsm.streams.info(STREAMS.events)).config.num_replicas).toBe(1);
      expect((await jsm.streams.info(STREAMS.commands)).config.num_replicas).toBe(1);
      expect((await jsm.streams.info(kvStreamName(ROUTES_BUCKET))).config.num_replicas).toBe(1);
    } finally {
      await nc.close();
      await nats.dispose();
    }
  });
});
