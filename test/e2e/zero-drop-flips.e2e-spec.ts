import { Pool } from 'undici';
import { RoutingClient, type Pools } from '@greenlight/fixtures';
import {
  startHaproxy,
  startInfra,
  startSimulator,
  startStack,
  type HaproxyHandle,
  type Infra,
  type SimulatorHandle,
  type Stack,
} from '@greenlight/testing';

const SERVICE = 'flip';
const CLIENTS = 6;
const STEP_MS = 2_000;
const MAX_REQUESTS = 4_000;

interface Outcome {
  stream: boolean;
  status: number;
  pool: string;
  complete: boolean;
  error?: string;
}

/** Steady traffic, 30 % of it long streams, until `running()` is false or the cap is reached. */
async function drive(origin: string, running: () => boolean): Promise<Outcome[]> {
  const pool = new Pool(origin, { connections: CLIENTS });
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; running() && outcomes.length < MAX_REQUESTS; i++) {
        const stream = (i + c) % 10 < 3;
        try {
          const response = await pool.request({
            method: 'POST',
            path: '/v1/chat/completions',
            headers: { 'content-type': 'application/json', 'x-session-id': `c${c}-${i}` },
            body: JSON.stringify({
              model: SERVICE,
              messages: [{ role: 'user', content: `request ${c}-${i}` }],
              max_tokens: stream ? 120 : 4,
              stream,
            }),
          });
          const text = await response.body.text();
          const complete = stream
            ? text.trimEnd().endsWith('data: [DONE]') &&
              /"finish_reason":"(length|stop)"/.test(text)
            : response.statusCode === 200 &&
              (JSON.parse(text) as { choices: unknown[] }).choices.length > 0;
          outcomes.push({
            stream,
            status: response.statusCode,
            pool: String(response.headers['x-greenlight-pool'] ?? ''),
            complete,
          });
        } catch (error) {
          outcomes.push({ stream, status: 0, pool: '', complete: false, error: String(error) });
        }
      }
    }),
  );
  await pool.close();
  return outcomes;
}

describe('zero-drop flips: 0 → 1 → 25 → 75 → 100 → 0 % under steady traffic with long streams', () => {
  let infra: Infra;
  let haproxy: HaproxyHandle;
  let stack: Stack;
  let routing: RoutingClient;
  const sims: SimulatorHandle[] = [];
  let pools: Pools;

  beforeAll(async () => {
    infra = await startInfra();
    haproxy = await startHaproxy({ services: [{ name: SERVICE }] });
    stack = await startStack({
      infra,
      services: ['traffic-shifter', 'gateway'],
      env: { HAPROXY_SOCKET: haproxy.socket },
      logDir: 'tmp/e2e-logs/zero-drop-flips',
    });
    // Long streams: 120 tokens at 20 ms each, so every flip happens while streams are open.
    const args = ['--itl', '20ms', '--ttft-overhead', '5ms'];
    for (const version of ['v1', 'v1', 'v2', 'v2']) {
      sims.push(await startSimulator({ model: SERVICE, version, args }));
    }
    pools = {
      blue: { release: 'v1', endpoints: [sims[0]!.url, sims[1]!.url] },
      green: { release: 'v2', endpoints: [sims[2]!.url, sims[3]!.url] },
    };
    routing = await RoutingClient.connect(infra.nats.url);
    await routing.set(SERVICE, { blue: 100, green: 0 }, pools, 'session');
  });
  afterAll(async () => {
    await routing?.close();
    await stack?.dispose();
    await haproxy?.dispose();
    await Promise.all(sims.map((s) => s.stop()));
    await infra?.dispose();
  });

  it('through the gateway and through HAProxy: no failed request, no truncated stream, both pools served', async () => {
    let running = true;
    const traffic = Promise.all([
      drive(stack.urls.gateway, () => running),
      drive(haproxy.url(SERVICE), () => running),
    ]);
    for (const green of [1, 25, 75, 100, 0]) {
      await new Promise((r) => setTimeout(r, STEP_MS));
      await routing.set(SERVICE, { blue: 100 - green, green }, pools, 'session');
    }
    await new Promise((r) => setTimeout(r, STEP_MS));
    running = false;
    const [viaGateway, viaHaproxy] = await traffic;

    for (const outcomes of [viaGateway, viaHaproxy]) {
      const failed = outcomes.filter((o) => o.status !== 200 || !o.complete);
      expect(failed).toEqual([]);
      expect(outcomes.filter((o) => o.stream).length).toBeGreaterThan(20);
    }
    const poolsSeen = (outcomes: Outcome[]) =>
      new Set(outcomes.map((o) => o.pool.replace(/\d+$/, '')));
    expect(poolsSeen(viaGateway)).toEqual(new Set(['blue', 'green']));
    expect(poolsSeen(viaHaproxy)).toEqual(new Set(['blue', 'green']));
  });
});
