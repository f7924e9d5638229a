import { RoutingClient, startTraffic, type Pools, type TrafficOutcome } from '@greenlight/fixtures';
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
const STEP_MS = 2_000;

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
    const traffic = [stack.urls.gateway, haproxy.url(SERVICE)].map((origin) =>
      startTraffic({ origin, model: SERVICE }),
    );
    for (const green of [1, 25, 75, 100, 0]) {
      await new Promise((r) => setTimeout(r, STEP_MS));
      await routing.set(SERVICE, { blue: 100 - green, green }, pools, 'session');
    }
    await new Promise((r) => setTimeout(r, STEP_MS));
    const [viaGateway = [], viaHaproxy = []] = await Promise.all(traffic.map((t) => t.stop()));

    for (const outcomes of [viaGateway, viaHaproxy]) {
      const failed = outcomes.filter((o) => o.status !== 200 || !o.complete);
      expect(failed).toEqual([]);
      expect(outcomes.filter((o) => o.stream).length).toBeGreaterThan(20);
    }
    const poolsSeen = (outcomes: TrafficOutcome[]) =>
      new Set(outcomes.map((o) => o.pool.replace(/\d+$/, '')));
    expect(poolsSeen(viaGateway)).toEqual(new Set(['blue', 'green']));
    expect(poolsSeen(viaHaproxy)).toEqual(new Set(['blue', 'green']));
  });
});
