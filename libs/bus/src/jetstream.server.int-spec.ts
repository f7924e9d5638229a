import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Ctx, Payload } from '@nestjs/microservices';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { z } from 'zod';
import { startNatsServer, waitFor, type ServerHandle } from '@greenlight/testing';
import { BusModule } from './bus.module';
import { EventBus } from './event-bus.service';
import { JetStreamContext } from './jetstream.context';
import { OnJetStream } from './jetstream.decorators';
import { JetStreamServer } from './jetstream.server';

const codec = JSONCodec<Record<string, unknown>>();
const WORK = 'greenlight.cmd.test.work.svc';
const REJECTED = 'greenlight.deploy.rejected';

interface Seen {
  n: number;
  instance: string;
  delivery: number;
}

/** Records what each instance handled; fails the first delivery of `n` values listed in `failOnce`. */
function makeHandler(instance: string, seen: Seen[], failOnce: Set<number>) {
  @Controller()
  class WorkHandler {
    @OnJetStream(WORK, {
      schema: z.strictObject({ n: z.number().int() }),
      rejectSubject: REJECTED,
      rejectType: 'deploy.rejected',
    })
    async work(@Payload() body: { n: number }, @Ctx() ctx: JetStreamContext): Promise<void> {
      if (failOnce.delete(body.n)) throw new Error(`transient failure on ${body.n}`);
      await new Promise((r) => setTimeout(r, 1));
      seen.push({ n: body.n, instance, delivery: ctx.deliveryCount });
    }
  }
  return WorkHandler;
}

async function startInstance(url: string, instance: string, seen: Seen[], failOnce: Set<number>) {
  @Module({
    imports: [BusModule.forRoot({ servers: url, component: 'bus-test' })],
    controllers: [makeHandler(instance, seen, failOnce)],
  })
  class TestModule {}
  const ref = await Test.createTestingModule({ imports: [TestModule] }).compile();
  const app: INestMicroservice = ref.createNestMicroservice({ strategy: ref.get(JetStreamServer) });
  await app.listen();
  return app;
}

describe('JetStream transport (real nats-server)', () => {
  let nats: ServerHandle;
  let client: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    client = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await client?.close();
    await nats?.dispose();
  });

  it('delivers every message exactly once across two replicas sharing a durable, retrying failures', async () => {
    const seen: Seen[] = [];
    const failOnce = new Set([3, 7]);
    const [a, b] = [
      await startInstance(nats.url, 'a', seen, failOnce),
      await startInstance(nats.url, 'b', seen, failOnce),
    ];
    const js = client.jetstream();
    for (let n = 0; n < 40; n++) await js.publish(WORK, codec.encode({ n }));

    await waitFor(() => seen.length >= 40, { what: '40 handled messages' });
    await new Promise((r) => setTimeout(r, 300)); // room for a wrongful duplicate to show up
    await Promise.all([a.close(), b.close()]);

    const handled = seen.map((s) => s.n).sort((x, y) => x - y);
    expect(handled).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(new Set(seen.map((s) => s.instance))).toEqual(new Set(['a', 'b']));
    // The two that failed once were redelivered and succeeded on their second delivery.
    expect(
      seen
        .filter((s) => s.delivery > 1)
        .map((s) => s.n)
        .sort(),
    ).toEqual([3, 7]);
  });

  it('terminates an invalid payload and answers with a rejection naming the field', async () => {
    const seen: Seen[] = [];
    const rejections = client.subscribe(REJECTED, { max: 2 });
    const app = await startInstance(nats.url, 'a', seen, new Set());
    const js = client.jetstream();
    await js.publish(WORK, codec.encode({ n: 'seven' }), { msgID: 'bad-1' });
    await js.publish(WORK, new TextEncoder().encode('{not json'), { msgID: 'bad-2' });
    await js.publish(WORK, codec.encode({ n: 1 }));

    const answers: Record<string, unknown>[] = [];
    for await (const m of rejections) answers.push(codec.decode(m.data));
    await waitFor(() => seen.length === 1, { what: 'the valid message' });
    await app.close();

    expect(answers.map((a) => a['type'])).toEqual(['deploy.rejected', 'deploy.rejected']);
    const reasons = answers.map((a) => (a['data'] as { reason: string }).reason);
    expect(reasons[0]).toMatch(/^n: .*number/i);
    expect(reasons[1]).toBe('(root): payload is not valid JSON');
    expect(answers.map((a) => (a['data'] as { requestId: string }).requestId)).toEqual([
      'bad-1',
      'bad-2',
    ]);
    expect(seen.map((s) => s.n)).toEqual([1]);
    // Terminated, not redelivered: the stream (work queue) no longer holds them.
    const jsm = await client.jetstreamManager();
    const info = await jsm.consumers.info('GL_COMMANDS', 'bus-test--greenlight_cmd_test_work_svc');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
  });

  it('with concurrency, a slow message does not hold up the ones behind it', async () => {
    const SLOW = 'greenlight.cmd.test.slow.svc';
    const finished: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    @Controller()
    class SlowHandler {
      @OnJetStream(SLOW, { concurrency: 4 })
      async work(@Payload() body: { name: string }): Promise<void> {
        if (body.name === 'slow') await gate;
        finished.push(body.name);
      }
    }
    @Module({
      imports: [BusModule.forRoot({ servers: nats.url, component: 'bus-test' })],
      controllers: [SlowHandler],
    })
    class SlowModule {}
    const ref = await Test.createTestingModule({ imports: [SlowModule] }).compile();
    const app = ref.createNestMicroservice({ strategy: ref.get(JetStreamServer) });
    await app.listen();
    const js = client.jetstream();
    await js.publish(SLOW, codec.encode({ name: 'slow' }));
    await js.publish(SLOW, codec.encode({ name: 'quick-1' }));
    await js.publish(SLOW, codec.encode({ name: 'quick-2' }));

    await waitFor(() => finished.length === 2, { what: 'the quick messages' });
    release();
    await waitFor(() => finished.length === 3, { what: 'the slow message' });
    await app.close();

    expect(finished).toEqual(['quick-1', 'quick-2', 'slow']);
  });

  it('stores a re-published event once (dedupe id) and reads the log back in order', async () => {
    const ref = await Test.createTestingModule({
      imports: [BusModule.forRoot({ servers: nats.url, component: 'bus-test' })],
    }).compile();
    const app = ref.createNestMicroservice({ strategy: ref.get(JetStreamServer) });
    await app.listen(); // provisions the streams
    const bus = ref.get(EventBus);
    const base = {
      type: 'deployment.phase_changed',
      deploymentId: '01JAAAAAAAAAAAAAAAAAAAAAAA',
      service: 'chat',
      at: new Date().toISOString(),
      actor: 'system:test',
      causationId: null,
    };
    await bus.publishEvent({ ...base, id: 'e-1', seq: 1, data: { to: 'Requested' } });
    const again = await bus.publishEvent({ ...base, id: 'e-1', seq: 1, data: { to: 'Requested' } });
    await bus.publishEvent({ ...base, id: 'e-2', seq: 2, data: { to: 'Provisioning' } });

    const log = await bus.read<{ seq: number }>('greenlight.evt.*.*.*.01JAAAAAAAAAAAAAAAAAAAAAAA');
    const otherLog = await bus.read('greenlight.evt.*.*.*.01JBBBBBBBBBBBBBBBBBBBBBBB');
    await app.close();

    expect(again.duplicate).toBe(true);
    expect(log.map((m) => m.data.seq)).toEqual([1, 2]);
    expect(otherLog).toEqual([]);
  });
});
