import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connect, StorageType, type KV, type NatsConnection } from 'nats';
import { RedisHotPrefixStore } from '@greenlight/caches';
import {
  DATA_PLANE_SUBJECTS,
  loadConfig,
  ROUTES_BUCKET,
  type DataPlaneAck,
  type RoutingTable,
} from '@greenlight/contracts';
import {
  sseData,
  startNatsServer,
  startRedisServer,
  startSimulator,
  waitFor,
  type ServerHandle,
  type SimulatorHandle,
} from '@greenlight/testing';
import { GatewayConfigSchema } from './config/gateway.config';
import { startGateway, type GatewayHandle } from './gateway-server';
import { splitPoint } from './split/split.util';

const INSTANCE = 'gw-semantic';
/** Generous: a loaded CI machine must not turn a hit into a miss. */
const LOOKUP_TIMEOUT_MS = '1000';
const SYSTEM_PROMPT =
  'You are the greenlight test assistant. Answer in one short sentence and never use lists.';

interface ChatAnswer {
  object: string;
  choices: { message: { content: string }; finish_reason: string }[];
}

describe('gateway semantic cache (real redis, nats-server and simulators)', () => {
  let dir: string;
  let nats: ServerHandle;
  let redis: ServerHandle;
  let nc: NatsConnection;
  let kv: KV;
  let blue: SimulatorHandle;
  let green: SimulatorHandle;
  /** 64 tokens 20 ms apart: a stream long enough to flip the table under it. */
  let slowGreen: SimulatorHandle;
  let gateway: GatewayHandle;
  let version = 0;
  /** A session whose split point keeps it on green while green has half of the traffic. */
  let greenSession: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-semantic-'));
    const simArgs = ['--itl', '1ms', '--ttft-overhead', '2ms'];
    [nats, redis, blue, green, slowGreen] = await Promise.all([
      startNatsServer(),
      startRedisServer(),
      startSimulator({ model: 'chat', version: 'v1', args: simArgs }),
      startSimulator({ model: 'chat', version: 'v2', args: simArgs }),
      startSimulator({ model: 'chat', version: 'v2', args: ['--itl', '20ms'] }),
    ]);
    gateway = await startGateway(
      loadConfig(GatewayConfigSchema, {
        NATS_URL: nats.url,
        REDIS_URL: redis.url,
        PORT: '0',
        LOG_LEVEL: 'error',
        GATEWAY_INSTANCE: INSTANCE,
        ROUTES_FILE: join(dir, 'routes.json'),
        GATEWAY_SEMANTIC_LOOKUP_TIMEOUT_MS: LOOKUP_TIMEOUT_MS,
      }),
    );
    nc = await connect({ servers: nats.url });
    kv = await nc.jetstream().views.kv(ROUTES_BUCKET, { history: 5, storage: StorageType.File });
    greenSession = Array.from({ length: 100 }, (_, i) => `user-${i}`).find(
      (id) => splitPoint(id) < 0.4,
    )!;
  });

  afterAll(async () => {
    await nc?.close();
    await gateway?.close(1_000);
    await Promise.all([blue, green, slowGreen].map((sim) => sim?.kill()));
    await Promise.all([nats?.dispose(), redis?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Blue on v1, green on v2, each with its generation (undefined: none). */
  async function route(
    weights: { blue: number; green: number },
    generations: { blue?: string; green?: string },
    greenSim: SimulatorHandle = green,
  ): Promise<void> {
    const pool = (release: string, sim: SimulatorHandle, weight: number, generation?: string) => ({
      release,
      endpoints: [sim.url],
      weight,
      ...(generation ? { generation } : {}),
    });
    const table: RoutingTable = {
      service: 'chat',
      version: ++version,
      affinity: 'session',
      pools: {
        blue: pool('v1', blue, weights.blue, generations.blue),
        green: pool('v2', greenSim, weights.green, generations.green),
      },
    };
    const acked = new Promise<void>((resolve) => {
      const sub = nc.subscribe(DATA_PLANE_SUBJECTS.ack, { timeout: 5_000 });
      void (async () => {
        for await (const msg of sub) {
          const ack = msg.json<DataPlaneAck>();
          if (ack.instance === INSTANCE && ack.version === table.version) break;
        }
        resolve();
      })().catch(() => resolve());
    });
    await nc.flush();
    await kv.put(table.service, JSON.stringify(table));
    await acked;
  }

  function ask(
    question: string,
    options: { stream?: boolean; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-session-id': greenSession,
        ...options.headers,
      },
      body: JSON.stringify({
        model: 'chat',
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: question },
        ],
        ...(options.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      }),
    });
  }

  /** Completions the simulator has finished: grows only when a request reached it. */
  async function served(sim: SimulatorHandle): Promise<number> {
    const text = await (await fetch(`${sim.url}/metrics`)).text();
    let total = 0;
    for (const match of text.matchAll(/^vllm:request_success_total\{[^}]*\} ([\d.e+]+)$/gm)) {
      total += Number(match[1]);
    }
    return total;
  }

  async function stores(pool: 'blue' | 'green'): Promise<number> {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const line = new RegExp(
      `^greenlight_gateway_semantic_cache_stores_total\\{service="chat",pool="${pool}"[^}]*\\} (\\d+)$`,
      'm',
    );
    return Number(line.exec(text)?.[1] ?? 0);
  }

  async function storedOn(pool: 'blue' | 'green', before: number): Promise<void> {
    await waitFor(async () => (await stores(pool)) > before, {
      timeoutMs: 5_000,
      what: `an answer stored by ${pool}`,
    });
  }

  it('answers a repeated question from green’s generation without asking green again', async () => {
    await route({ blue: 60, green: 40 }, { blue: 'g1-blue', green: 'g1-green' });
    const storedBefore = await stores('green');

    const first = await ask('What is the capital of France?');
    const firstBody = (await first.json()) as ChatAnswer;
    await storedOn('green', storedBefore);
    const greenBefore = await served(green);
    const second = await ask('  what is the capital of France? ');
    const secondBody = (await second.json()) as ChatAnswer;

    expect(first.headers.get('x-greenlight-pool')).toBe('green');
    expect(first.headers.get('x-greenlight-cache')).toBe('miss');
    expect(second.status).toBe(200);
    expect(second.headers.get('x-greenlight-cache')).toBe('hit');
    expect(second.headers.get('x-greenlight-cache-generation')).toBe('g1-green');
    expect(second.headers.get('x-greenlight-pool')).toBe('green');
    expect(second.headers.get('x-greenlight-version')).toBe('v2');
    expect(secondBody.object).toBe('chat.completion');
    expect(secondBody.choices[0]!.message.content).toBe(firstBody.choices[0]!.message.content);
    expect(secondBody.choices[0]!.finish_reason).toBe('stop');
    expect(await served(green)).toBe(greenBefore);
  });

  it('misses on blue after a flip although green’s generation holds the answer', async () => {
    await route({ blue: 60, green: 40 }, { blue: 'g2-blue', green: 'g2-green' });
    const storedBefore = await stores('green');
    await ask('How tall is Mount Everest?').then((r) => r.arrayBuffer());
    await storedOn('green', storedBefore);
    const onGreen = await ask('How tall is Mount Everest?');
    await onGreen.arrayBuffer();
    const blueBefore = await served(blue);

    await route({ blue: 100, green: 0 }, { blue: 'g2-blue', green: 'g2-green' });
    const onBlue = await ask('How tall is Mount Everest?');
    await onBlue.arrayBuffer();

    expect(onGreen.headers.get('x-greenlight-cache')).toBe('hit');
    expect(onBlue.headers.get('x-greenlight-pool')).toBe('blue');
    expect(onBlue.headers.get('x-greenlight-version')).toBe('v1');
    expect(onBlue.headers.get('x-greenlight-cache')).toBe('miss');
    expect(onBlue.headers.get('x-greenlight-cache-generation')).toBeNull();
    expect(await served(blue)).toBe(blueBefore + 1);
  });

  it('serves a hit across the flip when both pools share a generation', async () => {
    await route({ blue: 60, green: 40 }, { blue: 'g3-shared', green: 'g3-shared' });
    const storedBefore = await stores('green');
    const onGreen = await ask('Why is the sky blue?');
    await onGreen.arrayBuffer();
    await storedOn('green', storedBefore);
    const blueBefore = await served(blue);

    await route({ blue: 100, green: 0 }, { blue: 'g3-shared', green: 'g3-shared' });
    const onBlue = await ask('Why is the sky blue?');
    await onBlue.arrayBuffer();

    expect(onGreen.headers.get('x-greenlight-cache')).toBe('miss');
    expect(onBlue.headers.get('x-greenlight-pool')).toBe('blue');
    expect(onBlue.headers.get('x-greenlight-version')).toBe('v1');
    expect(onBlue.headers.get('x-greenlight-cache')).toBe('hit');
    expect(onBlue.headers.get('x-greenlight-cache-generation')).toBe('g3-shared');
    expect(await served(blue)).toBe(blueBefore);
  });

  it('replays a streamed hit as OpenAI SSE chunks with usage and [DONE]', async () => {
    await route({ blue: 60, green: 40 }, { blue: 'g4-blue', green: 'g4-green' });
    const storedBefore = await stores('green');
    const collect = async (response: Response) => {
      const events: string[] = [];
      for await (const data of sseData(response)) events.push(data);
      return events;
    };
    const contentOf = (events: string[]) =>
      events
        .filter((e) => e !== '[DONE]')
        .map((e) => JSON.parse(e) as { choices: { delta: { content?: string } }[] })
        .map((e) => e.choices[0]?.delta.content ?? '')
        .join('');

    const first = await ask('Name a primary colour.', { stream: true });
    const streamed = await collect(first);
    await storedOn('green', storedBefore);
    const greenBefore = await served(green);
    const second = await ask('Name a primary colour.', { stream: true });
    const replayed = await collect(second);
    const plain = await ask('Name a primary colour.');

    expect(first.headers.get('x-greenlight-cache')).toBe('miss');
    expect(second.headers.get('x-greenlight-cache')).toBe('hit');
    expect(second.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(replayed[replayed.length - 1]).toBe('[DONE]');
    expect(contentOf(replayed)).toBe(contentOf(streamed));
    const chunks = replayed.slice(0, -1).map((e) => JSON.parse(e) as Record<string, unknown>);
    expect(chunks.every((c) => c['object'] === 'chat.completion.chunk')).toBe(true);
    expect(chunks[chunks.length - 1]).toMatchObject({
      choices: [],
      usage: { completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    expect(plain.headers.get('x-greenlight-cache')).toBe('hit');
    expect(((await plain.json()) as ChatAnswer).choices[0]!.message.content).toBe(
      contentOf(streamed),
    );
    expect(await served(green)).toBe(greenBefore);
  });

  it('stores an answer under the generation it was routed with, not the one in force at its end', async () => {
    await route({ blue: 60, green: 40 }, { blue: 'g8-blue', green: 'g8-old' }, slowGreen);
    const storedBefore = await stores('green');
    const stream = await ask('What does a blue-green deployment do?', { stream: true });
    const events = sseData(stream);
    await events.next();

    await route({ blue: 60, green: 40 }, { blue: 'g8-blue', green: 'g8-new' }, slowGreen);
    const rest: string[] = [];
    for await (const data of events) rest.push(data);
    await storedOn('green', storedBefore);
    const underNew = await ask('What does a blue-green deployment do?');
    await underNew.arrayBuffer();
    await route({ blue: 60, green: 40 }, { blue: 'g8-blue', green: 'g8-old' }, slowGreen);
    const underOld = await ask('What does a blue-green deployment do?');
    await underOld.arrayBuffer();

    expect(rest[rest.length - 1]).toBe('[DONE]');
    expect(underNew.headers.get('x-greenlight-pool')).toBe('green');
    expect(underNew.headers.get('x-greenlight-cache')).toBe('miss');
    expect(underOld.headers.get('x-greenlight-cache')).toBe('hit');
    expect(underOld.headers.get('x-greenlight-cache-generation')).toBe('g8-old');
  });

  it('answers a repeated /v1/completions prompt from the cache as a text_completion', async () => {
    await route({ blue: 60, green: 40 }, { blue: 'g7-blue', green: 'g7-green' });
    const storedBefore = await stores('green');
    const complete = () =>
      fetch(`${gateway.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': greenSession },
        body: JSON.stringify({ model: 'chat', prompt: 'Once upon a time in a data centre' }),
      });
    type TextAnswer = { object: string; choices: { text: string }[] };

    const first = (await (await complete()).json()) as TextAnswer;
    await storedOn('green', storedBefore);
    const second = await complete();
    const body = (await second.json()) as TextAnswer;

    expect(second.headers.get('x-greenlight-cache')).toBe('hit');
    expect(body.object).toBe('text_completion');
    expect(body.choices[0]!.text).toBe(first.choices[0]!.text);
  });

  it('bypasses the cache for a pool without a generation and for no-cache requests', async () => {
    await route({ blue: 60, green: 40 }, { blue: 'g5-blue' });
    const storedBefore = await stores('green');
    const greenBefore = await served(green);

    const answers = [await ask('What is 6 times 7?'), await ask('What is 6 times 7?')];
    await Promise.all(answers.map((r) => r.arrayBuffer()));
    await route({ blue: 60, green: 40 }, { blue: 'g5-blue', green: 'g5-green' });
    const noCache = await ask('What is 6 times 7?', { headers: { 'cache-control': 'no-cache' } });
    await noCache.arrayBuffer();
    // A store would land within milliseconds; give it ten times that.
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(answers.map((r) => r.headers.get('x-greenlight-cache'))).toEqual(['bypass', 'bypass']);
    expect(answers.map((r) => r.headers.get('x-greenlight-pool'))).toEqual(['green', 'green']);
    expect(noCache.headers.get('x-greenlight-cache')).toBe('bypass');
    expect(await served(green)).toBe(greenBefore + 3);
    expect(await stores('green')).toBe(storedBefore);
  });

  it('records the system prompt as a hot prefix for the pre-warm', async () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const reader = new RedisHotPrefixStore(client);
    try {
      const top = await waitFor(
        async () => {
          const prefixes = await reader.top('chat', 10);
          return prefixes.length > 0 && prefixes;
        },
        { timeoutMs: 5_000, what: 'a hot prefix in redis' },
      );
      expect(top[0]!.messages[0]).toEqual({
        role: 'system',
        content: expect.stringMatching(/^You are the greenlight test assistant/),
      });
      expect(top[0]!.score).toBeGreaterThan(1);
    } finally {
      await reader.close();
      await client.quit();
    }
  });

  it('keeps answering, as misses, while redis is down, and hits again once it is back', async () => {
    await route({ blue: 60, green: 40 }, { blue: 'g6-blue', green: 'g6-green' });
    await redis.stop();

    const started = Date.now();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await ask(`Is redis up, try ${i}?`));

    expect(answers.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(answers.map((r) => r.headers.get('x-greenlight-cache'))).toEqual(Array(5).fill('miss'));
    // Five lookups that each waited out the timeout would take 5 s.
    expect(Date.now() - started).toBeLessThan(4_000);

    await redis.restart();
    const hit = await waitFor(
      async () => {
        const response = await ask('Is redis back?');
        await response.arrayBuffer();
        return response.headers.get('x-greenlight-cache') === 'hit' && response;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'a hit after redis came back' },
    );
    expect(hit.headers.get('x-greenlight-cache-generation')).toBe('g6-green');
  });
});
