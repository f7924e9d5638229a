import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connectionRefused,
  startSimulator,
  waitFor,
  type SimulatorHandle,
} from '@greenlight/testing';

async function tokenize(sim: SimulatorHandle): Promise<number[]> {
  const response = await fetch(`${sim.url}/tokenize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello there' }] }),
  });
  return ((await response.json()) as { tokens: number[] }).tokens;
}

describe('simulator serving surface', () => {
  const sims: SimulatorHandle[] = [];
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-serving-'));
  });

  afterAll(async () => {
    await Promise.all(sims.map((sim) => sim.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(...args: Parameters<typeof startSimulator>): Promise<SimulatorHandle> {
    const sim = await startSimulator(...args);
    sims.push(sim);
    return sim;
  }

  it('answers /health (empty 200), /version and /v1/models like vLLM', async () => {
    const sim = await start({
      model: 'chat',
      version: 'v3',
      args: ['--served-model-name', 'chat-8b'],
    });
    const health = await fetch(`${sim.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('');
    expect(await (await fetch(`${sim.url}/version`)).json()).toEqual({ version: '0.11.0-sim' });
    const models = (await (await fetch(`${sim.url}/v1/models`)).json()) as Record<string, unknown>;
    expect(models).toEqual({
      object: 'list',
      data: [
        {
          id: 'chat-8b',
          object: 'model',
          created: expect.any(Number),
          owned_by: 'vllm',
          root: 'chat',
          parent: null,
          max_model_len: 8192,
        },
      ],
    });
  });

  it('refuses connections until the cold start ends, then answers 200', async () => {
    const spawnedAt = Date.now();
    const sim = await start({ version: 'v1', coldStart: '3s', waitReady: false });
    expect(await connectionRefused(sim.port)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await connectionRefused(sim.port)).toBe(true);
    await waitFor(
      async () => (await fetch(`${sim.url}/health`).catch(() => undefined))?.status === 200,
      { timeoutMs: 20_000, intervalMs: 100, what: 'the simulator to finish its cold start' },
    );
    expect(Date.now() - spawnedAt).toBeGreaterThanOrEqual(3_000);
    expect(sim.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
  });

  it('exits 0 at once on SIGTERM during the cold start', async () => {
    const sim = await start({ version: 'v1', coldStart: '60s', waitReady: false });
    await waitFor(() => /cold start/.test(sim.output()), { what: 'the cold start to begin' });
    expect(await sim.kill('SIGTERM')).toBe(0);
  });

  it('with --never-ready listens but answers 503 to /health and completions', async () => {
    const sim = await start({ version: 'v1', args: ['--never-ready'] });
    expect((await fetch(`${sim.url}/health`)).status).toBe(503);
    const completion = await fetch(`${sim.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hi' }),
    });
    expect(completion.status).toBe(503);
  });

  it('tokenizes messages through the release chat template: a new template, new ids', async () => {
    const chatml = join(dir, 'chatml.jinja');
    writeFileSync(
      chatml,
      '{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}' +
        '{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}',
    );
    const [llama, qwen] = await Promise.all([
      start({ version: 'v1' }),
      start({ version: 'v2', args: ['--chat-template', chatml] }),
    ]);
    const [llamaIds, qwenIds] = await Promise.all([tokenize(llama), tokenize(qwen)]);
    expect(llamaIds[0]).toBe(128_000);
    expect(qwenIds[0]).toBe(128_011);
    expect(qwenIds).not.toEqual(llamaIds);
  });

  it('exits 2 naming the option when a flag or the profile is bad', async () => {
    const badFlag = await startSimulator({
      version: 'v1',
      args: ['--itl', 'soon'],
      waitReady: false,
    });
    expect(await badFlag.exited).toBe(2);
    expect(badFlag.output()).toContain('--itl: must be a duration');

    const profile = join(dir, 'bad-profile.yaml');
    writeFileSync(profile, 'errorRate: 7\n');
    const badProfile = await startSimulator({
      version: 'v1',
      args: ['--profile', profile],
      waitReady: false,
    });
    expect(await badProfile.exited).toBe(2);
    expect(badProfile.output()).toContain(
      `errorRate (profile ${profile}): must be a number from 0 to 1`,
    );
  });
});
