import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { parse } from 'yaml';
import { deployRequest } from '@greenlight/fixtures';
import { startStack, waitFor, type Stack } from '@greenlight/testing';
import { apiClient } from '../support/api.util';

/**
 * The semantic cache across deploys, through the real gateway, cache-manager and orchestrator:
 * an answer is only ever served from the generation of the pool the request was routed to.
 */
const SERVICE = 'chat-sem';
const KNOWLEDGE = join(process.cwd(), 'evals', 'chat.knowledge.yaml');
const SIM = `greenlight-sim --port {port} --model {model} --version {version} --chat-template {template} --cold-start 1s --knowledge ${KNOWLEDGE}`;
/** Questions the simulator answers in a few tokens (finish_reason stop: storable answers). */
const QUESTIONS = Object.keys(parse(readFileSync(KNOWLEDGE, 'utf8')) as Record<string, string>)
  .filter((q) => q.length < 80)
  .slice(0, 16);
const TERMINAL = ['Completed', 'RolledBack', 'Failed', 'Aborted'];

interface Answer {
  at: number;
  status: number;
  pool: string;
  version: string;
  cache: string;
  generation: string | null;
}

interface DeploymentView {
  phase: string;
  reason: string | null;
  cachePlan: { semantic: string; generations: { blue: string | null; green: string } } | null;
}

/** Clients asking the same few questions again and again, as users of a FAQ bot do. */
function askRepeatedly(gateway: string, clients = 4) {
  const pool = new Pool(gateway, { connections: clients });
  const answers: Answer[] = [];
  let running = true;
  const loop = async (c: number) => {
    for (let i = 0; running && answers.length < 20_000; i++) {
      const question = QUESTIONS[(c * 7 + i) % QUESTIONS.length]!;
      const response = await pool.request({
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json', 'x-session-id': `s${c}-${i}-${Date.now()}` },
        body: JSON.stringify({
          model: SERVICE,
          messages: [{ role: 'user', content: question }],
          max_tokens: 64,
        }),
      });
      await response.body.text();
      const h = (name: string) => {
        const value = response.headers[name];
        return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
      };
      answers.push({
        at: Date.now(),
        status: response.statusCode,
        pool: h('x-greenlight-pool'),
        version: h('x-greenlight-version'),
        cache: h('x-greenlight-cache'),
        generation: h('x-greenlight-cache-generation') || null,
      });
    }
  };
  const done = Promise.all(Array.from({ length: clients }, (_, c) => loop(c)));
  return {
    answers,
    stop: async () => {
      running = false;
      await done;
      await pool.close();
      return answers;
    },
  };
}

function hitRate(answers: readonly Answer[]): number {
  return answers.filter((a) => a.cache === 'hit').length / Math.max(1, answers.length);
}

describe('semantic cache across deploys: never a stale answer, and kept when nothing that matters changed', () => {
  let stack: Stack;
  let api: ReturnType<typeof apiClient>;
  /** Generation each release owns, from the plans of the deployments that introduced them. */
  const owned = new Map<string, string>();

  const deploy = async (
    version: string,
    release: Record<string, unknown>,
    strategy: Record<string, unknown>,
  ) => {
    const base = deployRequest(SERVICE, version);
    const created = await api.post<{ id: string }>('/v1/deployments', {
      ...base,
      release: { ...base.release, ...release },
      pool: { driver: 'process', replicas: 1, command: SIM },
      strategy: {
        readiness: { timeout: '60s', warmupRequests: 1 },
        analysis: { interval: '1s', minSamples: 5 },
        drain: { timeout: '20s' },
        standby: '2s',
        ...strategy,
      },
      caches: { prefixWarmup: { topPrefixes: 10, budget: '5s' }, semantic: { backend: 'redis' } },
    });
    expect(created.status).toBe(202);
    return created.body.id;
  };
  const get = async (id: string) => (await api.get<DeploymentView>(`/v1/deployments/${id}`)).body;
  const until = (id: string, test: (d: DeploymentView) => boolean, what: string) =>
    waitFor(async () => ((d) => (test(d) ? d : undefined))(await get(id)), {
      what,
      timeoutMs: 120_000,
      intervalMs: 200,
    });
  const remember = (version: string, d: DeploymentView) => {
    if (d.cachePlan) owned.set(version, d.cachePlan.generations.green);
  };
  /** A hit whose generation is not the one its serving release owns. */
  const staleHits = (answers: readonly Answer[]) =>
    answers.filter((a) => a.cache === 'hit' && a.generation !== owned.get(a.version));

  beforeAll(async () => {
    stack = await startStack({
      logDir: 'tmp/e2e-logs/semantic-cache',
      // Correctness, not the latency budget: a lookup slowed by a busy CI machine must not count
      // as a miss (in production a slow lookup is a miss by design).
      env: { GATEWAY_SEMANTIC_LOOKUP_TIMEOUT_MS: '500' },
    });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
    const first = await deploy('v1', {}, { steps: [{ weight: 100 }] });
    remember('v1', await until(first, (d) => d.phase === 'Completed', 'v1 Completed'));
    expect(owned.get('v1')).toBeDefined();
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('an invalidating deploy (model changed): green starts its own generation, and no hit ever crosses generations, through the canary and a rollback', async () => {
    const client = askRepeatedly(stack.urls.gateway);
    await waitFor(() => hitRate(client.answers.slice(-40)) > 0.8, {
      what: 'blue serving from its warm cache',
      timeoutMs: 30_000,
    });

    const id = await deploy(
      'v2',
      { model: { id: 'meta-llama/Llama-3.3-70B-Instruct', revision: 'a1b2c3d' } },
      { steps: [{ weight: 50, bake: '1h' }, { weight: 100 }] },
    );
    const canary = await until(
      id,
      (d) => d.phase === 'Canary' || TERMINAL.includes(d.phase),
      'Canary',
    );
    expect(canary.phase).toBe('Canary');
    expect(canary.cachePlan).toMatchObject({ semantic: 'new-generation' });
    remember('v2', canary);
    expect(owned.get('v2')).not.toBe(owned.get('v1'));
    // Let green fill its own generation while it takes half the traffic.
    await waitFor(() => client.answers.some((a) => a.version === 'v2' && a.cache === 'hit'), {
      what: 'a hit on green',
      timeoutMs: 30_000,
    });
    const rollback = await api.post(`/v1/deployments/${id}/rollback`, { reason: 'e2e' });
    expect(rollback.status).toBe(202);
    await until(id, (d) => d.phase === 'RolledBack', 'RolledBack');
    const rolledBackAt = Date.now();
    await waitFor(() => client.answers.filter((a) => a.at > rolledBackAt + 1_000).length > 40, {
      what: 'traffic after the rollback',
      timeoutMs: 30_000,
    });
    const answers = await client.stop();

    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(staleHits(answers)).toEqual([]);
    // Both pools served from the cache, each from its own generation only.
    const hitsBy = (version: string) =>
      new Set(
        answers.filter((a) => a.version === version && a.cache === 'hit').map((a) => a.generation),
      );
    expect(hitsBy('v1')).toEqual(new Set([owned.get('v1')]));
    expect(hitsBy('v2')).toEqual(new Set([owned.get('v2')]));
    // After the rollback blue serves everyone, still from its intact generation.
    const after = answers.filter((a) => a.at > rolledBackAt + 1_000);
    expect(after.every((a) => a.version === 'v1')).toBe(true);
    expect(hitRate(after)).toBeGreaterThan(0.8);
  });

  it('a compatible deploy (engine args only) shares the generation: the hit rate before and after the flip is within 5 points', async () => {
    const client = askRepeatedly(stack.urls.gateway);
    await waitFor(() => client.answers.length > 200, { what: 'steady traffic', timeoutMs: 30_000 });
    const before = hitRate(client.answers.slice(-200));

    const id = await deploy(
      'v1-tuned',
      {
        engine: {
          name: 'vllm',
          version: '0.11.0',
          args: ['--max-model-len', '4096', '--max-num-seqs', '128'],
        },
      },
      { steps: [{ weight: 100 }] },
    );
    const done = await until(id, (d) => TERMINAL.includes(d.phase), 'the end');
    expect(done.phase).toBe('Completed');
    expect(done.cachePlan).toMatchObject({ semantic: 'share' });
    remember('v1-tuned', done);
    expect(owned.get('v1-tuned')).toBe(owned.get('v1'));
    const flippedAt = Date.now();
    await waitFor(() => client.answers.filter((a) => a.at > flippedAt).length > 200, {
      what: 'traffic after the flip',
      timeoutMs: 60_000,
    });
    const answers = await client.stop();
    const after = answers.filter((a) => a.at > flippedAt);

    expect(after.every((a) => a.version === 'v1-tuned')).toBe(true);
    expect(Math.abs(hitRate(after) - before)).toBeLessThanOrEqual(0.05);
    expect(staleHits(answers)).toEqual([]);
  });
});
