import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Pool } from 'undici';
import { deployRequest, publishEvalVerdict, seedLiveRelease } from '@greenlight/fixtures';
import {
  sleep,
  startSimulator,
  startStack,
  waitFor,
  type SimulatorHandle,
  type Stack,
} from '@greenlight/testing';
import { percentile, round, table } from './load.util';
import { STACK_READY_TIMEOUT_MS } from './bench.constants';

const SERVICE = 'bench-rb';
const ROLLBACKS = Number(process.env.ROLLBACKS ?? 30);
const CLIENTS = 8;
/** How long after a rollback the client keeps watching for a request that still lands on green. */
const OBSERVE_MS = 400;

interface Sample {
  sentAt: number;
  pool: string;
  ok: boolean;
  /** Status and body (or the error) of a failed request. */
  failure?: string;
}

/**
 * Steady traffic through the gateway while a canary at 50 % is rolled back, again and again.
 * Each rollback's latency is seen by the client: from the REST call to the last request that
 * was still sent to green (every request sent after that landed on blue).
 */
export async function runRollbackBench(): Promise<Record<string, number>> {
  const sims: SimulatorHandle[] = [];
  let stack: Stack | undefined;
  let nc: NatsConnection | undefined;
  let running = true;
  const samples: Sample[] = [];
  let load: Promise<void> | undefined;
  try {
    stack = await startStack({
      services: ['orchestrator', 'health-prober', 'traffic-shifter', 'drainer', 'gateway'],
      env: { LOG_LEVEL: 'warn' },
      logDir: join('tmp', 'bench', 'rollback'),
      readyTimeoutMs: STACK_READY_TIMEOUT_MS,
    });
    const fast = ['--ttft-overhead', '0', '--itl', '0', '--max-num-seqs', '1024'];
    for (const version of ['v1', 'v1', 'v2', 'v2']) {
      sims.push(await startSimulator({ model: SERVICE, version, args: fast }));
    }
    const blue = sims.slice(0, 2).map((s) => s.url);
    const green = sims.slice(2).map((s) => s.url);
    await seedLiveRelease(stack.redis, SERVICE, 'v1', blue);
    nc = await connect({ servers: stack.nats });
    const api = client(stack.urls.orchestrator, stack.operatorToken);

    const gateway = new Pool(stack.urls.gateway, { connections: CLIENTS });
    const body = JSON.stringify({
      model: SERVICE,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 1,
    });
    const startLoad = () => {
      load = Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (running) {
            const sentAt = performance.now();
            try {
              const response = await gateway.request({
                method: 'POST',
                path: '/v1/chat/completions',
                headers: { 'content-type': 'application/json', 'x-session-id': `${Math.random()}` },
                body,
              });
              const text = await response.body.text();
              const pool = String(response.headers['x-greenlight-pool'] ?? 'none');
              const ok = response.statusCode === 200;
              samples.push({
                sentAt,
                pool,
                ok,
                ...(ok ? {} : { failure: `${response.statusCode} ${text.slice(0, 200)}` }),
              });
            } catch (error) {
              samples.push({ sentAt, pool: 'none', ok: false, failure: String(error) });
            }
          }
        }),
      ).then(() => gateway.close());
    };

    const latencies: number[] = [];
    /** The orchestrator's share: the REST call returns once the routing command is on the bus. */
    const restMs: number[] = [];
    for (let i = 1; i <= ROLLBACKS; i++) {
      const created = await api(
        'POST',
        '/v1/deployments',
        deployRequest(SERVICE, `v2-${i}`, {
          pool: { driver: 'static', endpoints: green },
          strategy: {
            readiness: { timeout: '30s', warmupRequests: 1 },
            steps: [{ weight: 50, bake: '1h' }, { weight: 100 }],
          },
          // Rollback latency only: no caches to prepare, no cache-manager in this stack.
          caches: { prefixWarmup: { topPrefixes: 0 }, semantic: { backend: 'none' } },
        }),
      );
      if (created.status !== 202)
        throw new Error(`deploy ${i} refused: ${JSON.stringify(created.body)}`);
      const id = (created.body as { id: string }).id;
      await waitFor(async () => (await phase(api, id)).phase === 'Verifying', {
        timeoutMs: 30_000,
        what: 'Verifying',
      });
      await publishEvalVerdict(nc, { id, service: SERVICE }, true);
      await waitFor(
        async () => {
          const d = await phase(api, id);
          return d.phase === 'Canary' && d.weights.green === 50;
        },
        { timeoutMs: 30_000, what: 'the canary at 50 %' },
      );
      // Traffic starts once the service has a routing table (before it, the gateway knows no route).
      if (!load) startLoad();
      await sleep(100); // steady traffic on both pools before the rollback

      const t0 = performance.now();
      const rolled = await api('POST', `/v1/deployments/${id}/rollback`, { reason: 'bench' });
      restMs.push(performance.now() - t0);
      if (rolled.status !== 202)
        throw new Error(`rollback ${i} refused: ${JSON.stringify(rolled.body)}`);
      await sleep(OBSERVE_MS);
      const lastGreen = samples
        .filter((s) => s.sentAt >= t0 && s.pool === 'green')
        .reduce((max, s) => Math.max(max, s.sentAt - t0), 0);
      latencies.push(lastGreen);
      await waitFor(async () => (await phase(api, id)).phase === 'RolledBack', {
        timeoutMs: 30_000,
        what: 'RolledBack',
      });
    }
    running = false;
    await load;

    const failures = samples.filter((s) => !s.ok);
    const failed = failures.length;
    const reasons = new Map<string, number>();
    for (const f of failures)
      reasons.set(f.failure ?? '?', (reasons.get(f.failure ?? '?') ?? 0) + 1);
    for (const [reason, count] of reasons) console.log(`failed ×${count}: ${reason}`);
    const result = {
      n: latencies.length,
      p50_ms: round(percentile(latencies, 50), 2),
      p99_ms: round(percentile(latencies, 99), 2),
      max_ms: round(Math.max(...latencies), 2),
      rest_p99_ms: round(percentile(restMs, 99), 2),
      failed_requests: failed,
    };
    console.log(
      table([
        [
          'rollbacks',
          'requests sent',
          'p50 ms',
          'p99 ms',
          'max ms',
          'REST p50/p99 ms',
          'failed requests',
        ],
        [
          result.n,
          samples.length,
          result.p50_ms,
          result.p99_ms,
          result.max_ms,
          `${round(percentile(restMs, 50), 1)}/${round(percentile(restMs, 99), 1)}`,
          failed,
        ],
      ]),
    );
    return result;
  } finally {
    running = false;
    await load?.catch(() => undefined);
    await nc?.close();
    await stack?.dispose();
    await Promise.all(sims.map((s) => s.stop()));
  }
}

type Api = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: unknown }>;

function client(base: string, token: string): Api {
  return async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
}

async function phase(api: Api, id: string) {
  return (await api('GET', `/v1/deployments/${id}`)).body as {
    phase: string;
    weights: { green: number };
  };
}
