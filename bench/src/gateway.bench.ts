import { join } from 'node:path';
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
import { RoutingClient } from '@greenlight/fixtures';
import {
  closedLoop,
  openLoop,
  percentile,
  round,
  table,
  type LoadResult,
  type RequestShape,
} from './load.util';
import { STACK_READY_TIMEOUT_MS } from './bench.constants';

const SERVICE = 'bench';
const CONCURRENCY = 32;
const THROUGHPUT_MS = 5_000;
const STEADY_RATE = 500;
const STEADY_ROUNDS = 7;
const STEADY_ROUND_MS = 2_000;

const plain: RequestShape = {
  path: '/v1/chat/completions',
  body: JSON.stringify({
    model: SERVICE,
    messages: [{ role: 'user', content: 'Say one word.' }],
    max_tokens: 1,
  }),
  stream: false,
};
const streaming: RequestShape = {
  path: '/v1/chat/completions',
  body: JSON.stringify({
    model: SERVICE,
    messages: [{ role: 'user', content: 'Count to sixteen.' }],
    max_tokens: 16,
    stream: true,
  }),
  stream: true,
};

/**
 * The same simulator reached three ways, under the same load, in one run: directly, through the
 * gateway, and through HAProxy (one thread each). The simulator answers with no model latency,
 * so what differs is the proxies' own cost.
 */
export async function runGatewayBench(): Promise<Record<string, number>> {
  let infra: Infra | undefined;
  let sim: SimulatorHandle | undefined;
  let haproxy: HaproxyHandle | undefined;
  let stack: Stack | undefined;
  let routing: RoutingClient | undefined;
  try {
    infra = await startInfra({ logDir: join('tmp', 'bench', 'gateway') });
    sim = await startSimulator({
      model: SERVICE,
      version: 'v1',
      args: [
        '--ttft-overhead',
        '0',
        '--prefill-per-token',
        '0',
        '--itl',
        '0',
        '--max-num-seqs',
        '4096',
      ],
    });
    haproxy = await startHaproxy({ services: [{ name: SERVICE }] });
    stack = await startStack({
      infra,
      services: ['traffic-shifter', 'gateway'],
      env: { HAPROXY_SOCKET: haproxy.socket, LOG_LEVEL: 'warn' },
      logDir: join('tmp', 'bench', 'gateway'),
      readyTimeoutMs: STACK_READY_TIMEOUT_MS,
    });
    routing = await RoutingClient.connect(infra.nats.url);
    await routing.set(
      SERVICE,
      { blue: 100, green: 0 },
      {
        blue: { release: 'v1', endpoints: [sim.url] },
        green: null,
      },
    );

    const targets = {
      direct: sim.url,
      gateway: stack.urls.gateway,
      haproxy: haproxy.url(SERVICE),
    } as const;
    // Warm every path (connections, JIT) before measuring.
    for (const origin of Object.values(targets)) {
      await closedLoop(origin, plain, { concurrency: 8, durationMs: 800 });
    }

    const rows: (string | number)[][] = [['path', 'load', 'req/s', 'p50 ms', 'p99 ms', 'failed']];
    const results: Record<string, LoadResult> = {};
    for (const [shapeName, shape] of [
      ['non-streaming', plain],
      ['streaming', streaming],
    ] as const) {
      for (const [name, origin] of Object.entries(targets)) {
        const result = await closedLoop(origin, shape, {
          concurrency: CONCURRENCY,
          durationMs: THROUGHPUT_MS,
        });
        results[`${name}-${shapeName}`] = result;
        rows.push(row(name, `${shapeName}, ${CONCURRENCY} clients`, result));
      }
    }
    // Added latency: short rounds, direct and gateway taking turns, so a noisy second on this
    // shared machine lands on both; each side's percentile is the median over its rounds.
    const steady: Record<'direct' | 'gateway', LoadResult[]> = { direct: [], gateway: [] };
    for (let round = 0; round < STEADY_ROUNDS; round++) {
      for (const name of ['direct', 'gateway'] as const) {
        steady[name].push(
          await openLoop(targets[name], plain, { rate: STEADY_RATE, durationMs: STEADY_ROUND_MS }),
        );
      }
    }
    const steadyP = (name: 'direct' | 'gateway', p: number) =>
      median(steady[name].map((r) => percentile(r.latencies, p)));
    for (const name of ['direct', 'gateway'] as const) {
      rows.push([
        name,
        `${STEADY_RATE} req/s steady, ${STEADY_ROUNDS} rounds`,
        STEADY_RATE,
        round(steadyP(name, 50), 2),
        round(steadyP(name, 99), 2),
        steady[name].reduce((n, r) => n + r.failures, 0),
      ]);
    }
    console.log(table(rows));

    const rps = (name: string) =>
      (results[`${name}-non-streaming`]!.rps + results[`${name}-streaming`]!.rps) / 2;
    const failed = Object.values(results)
      .concat(steady.direct, steady.gateway)
      .reduce((n, r) => n + r.failures, 0);
    return {
      direct_rps: round(rps('direct'), 0),
      gateway_rps: round(rps('gateway'), 0),
      haproxy_rps: round(rps('haproxy'), 0),
      gateway_vs_haproxy: round(rps('gateway') / rps('haproxy'), 3),
      gateway_added_p50_ms: round(steadyP('gateway', 50) - steadyP('direct', 50), 3),
      gateway_added_p99_ms: round(steadyP('gateway', 99) - steadyP('direct', 99), 3),
      direct_p99_ms: round(steadyP('direct', 99), 3),
      failed_requests: failed,
    };
  } finally {
    await routing?.close();
    await stack?.dispose();
    await haproxy?.dispose();
    await sim?.stop();
    await infra?.dispose();
  }
}

function median(values: readonly number[]): number {
  return percentile(values, 50);
}

function row(name: string, load: string, r: LoadResult): (string | number)[] {
  return [
    name,
    load,
    round(r.rps, 0),
    round(percentile(r.latencies, 50), 2),
    round(percentile(r.latencies, 99), 2),
    r.failures,
  ];
}
