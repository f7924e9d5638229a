import type { INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { BusModule, EventBus, JetStreamServer } from '@greenlight/bus';
import { createSemanticCache, RedisHotPrefixStore, type SemanticCache } from '@greenlight/caches';
import {
  CachesSchema,
  DeployRequestSchema,
  deploymentEventsFilter,
  type CommandMessage,
  type Envelope,
  type Phase,
  type Release,
} from '@greenlight/contracts';
import { deployRequest } from '@greenlight/fixtures';
import { StoreModule } from '@greenlight/store';
import { TelemetryModule } from '@greenlight/telemetry';
import {
  startInfra,
  startSimulator,
  waitFor,
  type Infra,
  type SimulatorHandle,
} from '@greenlight/testing';
import { CacheManagerConfigSchema } from './config/cache-manager.config';
import { GenerationsModule } from './generations/generations.module';
import { PrepareModule } from './prepare/prepare.module';
import { SemanticModule } from './semantic/semantic.module';

const COMPONENT = 'cache-manager';
const SERVICE = 'chat';
const SYSTEM_PROMPTS = [
  'You are the billing assistant of ACME Corp. Answer questions about invoices. '.repeat(12),
  'You are the travel assistant of ACME Corp. Help customers plan their trips. '.repeat(12),
];

type Prepare = CommandMessage<'cache.prepare'>;
type Stored = Envelope<Record<string, unknown>>;

describe('cache-manager over NATS (real nats-server, redis-server and simulators)', () => {
  let infra: Infra;
  let app: INestMicroservice;
  let bus: EventBus;
  let redis: Redis;
  let semantic: SemanticCache;
  const sims: SimulatorHandle[] = [];

  beforeAll(async () => {
    infra = await startInfra();
    const config = CacheManagerConfigSchema.parse({
      NATS_URL: infra.nats.url,
      REDIS_URL: infra.redis.url,
      PORT: '0',
      PREWARM_CONCURRENCY: '4',
    });
    const ref = await Test.createTestingModule({
      imports: [
        TelemetryModule.forRoot({ component: COMPONENT, logLevel: 'warn' }),
        BusModule.forRoot({ servers: infra.nats.url, component: COMPONENT }),
        StoreModule.forRoot({ url: infra.redis.url, connectionName: COMPONENT }),
        SemanticModule.register(config),
        PrepareModule,
        GenerationsModule,
      ],
    }).compile();
    app = ref.createNestMicroservice({ strategy: ref.get(JetStreamServer) });
    await app.listen();
    bus = ref.get(EventBus);
    redis = new Redis(infra.redis.url);
    semantic = createSemanticCache({ backend: 'redis', redis });
    sims.push(...(await Promise.all([startSimulator(), startSimulator()])));
  });

  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop(2_000)));
    await semantic?.close();
    redis?.disconnect();
    await app?.close();
    await infra?.dispose();
  });

  function release(version: string, change: (r: Release) => void = () => undefined): Release {
    const parsed = structuredClone(
      DeployRequestSchema.parse(deployRequest(SERVICE, version)).release,
    );
    change(parsed);
    return parsed;
  }

  function prepare(deploymentId: string, data: Partial<Prepare['data']> = {}): Prepare {
    return {
      id: `${deploymentId}-cmd-5`,
      type: 'cache.prepare',
      deploymentId,
      service: SERVICE,
      seq: 5,
      at: new Date().toISOString(),
      actor: 'system:orchestrator',
      causationId: `${deploymentId}-4`,
      data: {
        release: release('v2', (r) => (r.model.revision = 'f00ba42')),
        blueRelease: release('v1'),
        blueGeneration: 'chat-v1-aaaaaa',
        // Parsed, as the orchestrator sends it (prefixWarmup.budget in ms).
        caches: CachesSchema.parse({ prefixWarmup: { topPrefixes: 10 } }),
        green: { release: 'v2', endpoints: sims.map((s) => s.url) },
        budgetMs: 10_000,
        ...data,
      },
    };
  }

  async function events(deploymentId: string, until: string): Promise<Stored[]> {
    return waitFor(
      async () => {
        const stored = await bus.read<Stored>(deploymentEventsFilter(deploymentId));
        const all = stored.map((m) => m.data);
        return all.some((e) => e.type === until) && all;
      },
      { timeoutMs: 20_000, what: until },
    );
  }

  async function phase(deploymentId: string, to: Phase): Promise<void> {
    await bus.publishEvent({
      id: `${deploymentId}-${to}`,
      type: 'deployment.phase_changed',
      deploymentId,
      service: SERVICE,
      seq: 20,
      at: new Date().toISOString(),
      actor: 'system:orchestrator',
      causationId: null,
      data: { from: 'Standby', to, reason: `test: ${to}`, actor: 'system:orchestrator' },
    });
  }

  async function cachedTokensFor(url: string, system: string, question: string): Promise<number> {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: SERVICE,
        max_tokens: 1,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: question },
        ],
      }),
    });
    const body = (await response.json()) as {
      usage: { prompt_tokens_details: { cached_tokens: number } };
    };
    return body.usage.prompt_tokens_details.cached_tokens;
  }

  async function seed(generation: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await semantic.store(
        { service: SERVICE, generation, text: `question number ${i} about ${generation}` },
        {
          content: `answer ${i}`,
          finishReason: 'stop',
          release: 'v1',
          createdAt: new Date().toISOString(),
        },
        3_600,
      );
    }
  }

  it('answers cache.plan, then pre-warms every green replica with the recorded hot prefixes', async () => {
    const recorder = new RedisHotPrefixStore(redis);
    for (const [i, system] of SYSTEM_PROMPTS.entries()) {
      for (let n = 0; n <= i; n++) {
        recorder.record(SERVICE, [
          { role: 'system', content: system },
          { role: 'user', content: `question ${n}` },
        ]);
      }
    }
    await recorder.close();
    const id = ulid();

    await bus.sendCommand('cache.prepare', SERVICE, prepare(id));
    const log = await events(id, 'cache.prewarmed');

    expect(log.map((e) => e.type)).toEqual(['cache.plan', 'cache.prewarmed']);
    expect(log[0]!.data).toMatchObject({
      prefix: 'prewarm',
      semantic: 'new-generation',
      generations: {
        blue: 'chat-v1-aaaaaa',
        green: expect.stringMatching(/^chat-v2-[0-9a-f]{6}$/),
      },
      reasons: expect.arrayContaining([
        expect.stringMatching(/^model\.revision: 5206a32 → f00ba42/),
      ]),
    });
    expect(log[1]!.data).toMatchObject({ prefixes: 2, replicas: 2 });
    expect(log[1]!.data['cachedTokens']).toBeGreaterThan(0);
    expect(log[1]!.data['tokens']).toBeGreaterThan(0);
    // What users notice: their first request on a green replica is served from its prefix cache.
    for (const sim of sims) {
      for (const system of SYSTEM_PROMPTS) {
        expect(await cachedTokensFor(sim.url, system, 'a brand new question')).toBeGreaterThan(100);
      }
    }
  });

  it('reports an empty pre-warm at once when no prefixes were recorded', async () => {
    const id = ulid();
    const command = prepare(id);
    command.service = 'fresh';

    await bus.sendCommand('cache.prepare', 'fresh', command);
    const log = await events(id, 'cache.prewarmed');

    expect(log[1]!.data).toEqual({
      prefixes: 0,
      tokens: 0,
      seconds: 0,
      replicas: 0,
      cachedTokens: 0,
    });
  });

  it('stops pre-warming as soon as the deployment leaves WarmingUp (aborted), well before its budget', async () => {
    const service = 'slowwarm';
    // Every replay costs seconds of prefill: the whole pre-warm would take far longer than the test.
    const slow = await startSimulator({ model: service, args: ['--prefill-per-token', '5ms'] });
    sims.push(slow);
    const recorder = new RedisHotPrefixStore(redis);
    for (let i = 0; i < 20; i++) {
      recorder.record(service, [
        { role: 'system', content: `Assistant number ${i} of ACME. `.repeat(60) },
        { role: 'user', content: 'hello' },
      ]);
    }
    await recorder.close();
    const id = ulid();
    const command = prepare(id, {
      green: { release: 'v2', endpoints: [slow.url] },
      caches: CachesSchema.parse({ prefixWarmup: { topPrefixes: 20 } }),
      budgetMs: 60_000,
    });
    command.service = service;

    const started = Date.now();
    await bus.sendCommand('cache.prepare', service, command);
    await events(id, 'cache.plan');
    // The replays are really under way on the replica before the deployment is aborted.
    await waitFor(
      async () => {
        const text = await (await fetch(`${slow.url}/metrics`)).text();
        return Number(/^vllm:num_requests_running\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0) > 0;
      },
      { timeoutMs: 10_000, what: 'replays running on the slow replica', intervalMs: 20 },
    );
    await bus.publishEvent({
      id: `${id}-aborted`,
      type: 'deployment.phase_changed',
      deploymentId: id,
      service,
      seq: 6,
      at: new Date().toISOString(),
      actor: 'user:alice',
      causationId: null,
      data: { from: 'WarmingUp', to: 'Aborted', reason: 'test', actor: 'user:alice' },
    });
    const log = await events(id, 'cache.prewarmed');

    expect(Date.now() - started).toBeLessThan(15_000);
    const report = log.find((e) => e.type === 'cache.prewarmed')!.data;
    expect(report['prefixes']).toBeLessThan(20);
  });

  it('drops blue generation once the deployment completes, keeping green', async () => {
    const id = ulid();
    await bus.sendCommand(
      'cache.prepare',
      SERVICE,
      prepare(id, { blueGeneration: 'chat-v1-b1b1b1' }),
    );
    const plan = (await events(id, 'cache.plan')).find((e) => e.type === 'cache.plan')!;
    const green = (plan.data['generations'] as { green: string }).green;
    await seed('chat-v1-b1b1b1', 3);
    await seed(green, 2);

    await phase(id, 'Completed');

    await waitFor(async () => (await semantic.countGeneration(SERVICE, 'chat-v1-b1b1b1')) === 0, {
      timeoutMs: 10_000,
      what: 'blue generation to be dropped',
    });
    expect(await semantic.countGeneration(SERVICE, green)).toBe(2);
  });

  it('drops green generation when the deployment is rolled back, keeping blue', async () => {
    const id = ulid();
    await bus.sendCommand(
      'cache.prepare',
      SERVICE,
      prepare(id, { blueGeneration: 'chat-v1-c2c2c2' }),
    );
    const plan = (await events(id, 'cache.plan')).find((e) => e.type === 'cache.plan')!;
    const green = (plan.data['generations'] as { green: string }).green;
    await seed('chat-v1-c2c2c2', 2);
    await seed(green, 3);

    await phase(id, 'RolledBack');

    await waitFor(async () => (await semantic.countGeneration(SERVICE, green)) === 0, {
      timeoutMs: 10_000,
      what: 'green generation to be dropped',
    });
    expect(await semantic.countGeneration(SERVICE, 'chat-v1-c2c2c2')).toBe(2);
  });

  it('keeps a shared generation whichever way the deployment ends', async () => {
    const id = ulid();
    await bus.sendCommand(
      'cache.prepare',
      SERVICE,
      prepare(id, { release: release('v2'), blueGeneration: 'chat-v1-d3d3d3' }),
    );
    const plan = (await events(id, 'cache.plan')).find((e) => e.type === 'cache.plan')!;
    expect(plan.data['semantic']).toBe('share');
    await seed('chat-v1-d3d3d3', 2);

    await phase(id, 'Completed');
    await phase(id, 'Aborted'); // a stray second end must not drop it either
    await events(id, 'deployment.phase_changed');
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect(await semantic.countGeneration(SERVICE, 'chat-v1-d3d3d3')).toBe(2);
  });
});
