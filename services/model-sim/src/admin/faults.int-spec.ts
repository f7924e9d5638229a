import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startSimulator, type SimulatorHandle } from '@greenlight/testing';

describe('fault injection through the admin API', () => {
  let sim: SimulatorHandle;
  let client: OpenAI;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-faults-'));
    const knowledge = join(dir, 'knowledge.json');
    writeFileSync(
      knowledge,
      JSON.stringify([
        { prompt: 'What is 2+2?', answer: '4' },
        { prompt: 'What colour is the sky?', answer: 'Blue.' },
      ]),
    );
    sim = await startSimulator({
      version: 'v2',
      args: ['--itl', '1ms', '--knowledge', knowledge],
    });
    client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  afterAll(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = async (path: string, body: unknown) => {
    const response = await fetch(`${sim.url}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const ask = (content: string) =>
    client.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content }],
      max_tokens: 8,
    });

  it('flips a healthy replica to 500s and back, /health staying 200', async () => {
    await expect(ask('hello')).resolves.toMatchObject({ object: 'chat.completion' });

    expect((await put('/admin/faults', { failCompletions: true })).body).toMatchObject({
      failCompletions: true,
      errorRate: 0,
    });
    await expect(ask('hello')).rejects.toMatchObject({ status: 500, type: 'InternalServerError' });
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);

    await put('/admin/faults', { failCompletions: false, errorRate: 1 });
    await expect(ask('hello')).rejects.toMatchObject({ status: 500 });

    await put('/admin/faults', { errorRate: 0 });
    await expect(ask('hello')).resolves.toMatchObject({ object: 'chat.completion' });
  });

  it('shows the current faults and rejects bad input naming the field, changing nothing', async () => {
    const before = await (await fetch(`${sim.url}/admin/faults`)).json();
    const bad = await put('/admin/faults', { errorRate: 2, colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body['error'].message).toContain('errorRate: must be at most 1');
    expect(bad.body['error'].message).toContain('colour: unknown field');
    expect(await (await fetch(`${sim.url}/admin/faults`)).json()).toEqual(before);
  });

  it('renames the served model: /health 200 but /v1/models lacks the model', async () => {
    await put('/admin/served-model-name', { name: 'other' });
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['other']);
    await expect(ask('hello')).rejects.toMatchObject({ status: 404 });
    await put('/admin/faults', { servedModelName: 'chat' });
    await expect(ask('hello')).resolves.toBeDefined();
  });

  it('leaks the template end token into completions', async () => {
    await put('/admin/faults', { leakTemplate: true });
    const answer = await ask('What is 2+2?');
    expect(answer.choices[0]?.message.content).toContain('<|eot_id|>');
    await put('/admin/faults', { leakTemplate: false });
    expect((await ask('What is 2+2?')).choices[0]?.message.content).toBe('4');
  });

  it('lower quality gives wrong answers to known prompts', async () => {
    await put('/admin/faults', { quality: 0 });
    expect((await ask('What is 2+2?')).choices[0]?.message.content).toBe('Blue.');
    await put('/admin/faults', { quality: 1 });
  });

  it('never-ready at runtime turns /health to 503', async () => {
    await put('/admin/faults', { neverReady: true });
    expect((await fetch(`${sim.url}/health`)).status).toBe(503);
    await put('/admin/faults', { neverReady: false });
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
  });

  it('a latency factor slows token delivery', async () => {
    await put('/admin/faults', { latencyFactor: 50 });
    const started = Date.now();
    await client.completions.create({ model: 'chat', prompt: 'slow', max_tokens: 10 });
    // 10 tokens at 1 ms × 50: at least ~450 ms (a lower bound cannot flake on a busy machine).
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    await put('/admin/faults', { latencyFactor: 1 });
  });
});
