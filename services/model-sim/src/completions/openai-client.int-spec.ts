import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { APIError } from 'openai';
import { startSimulator, type SimulatorHandle } from '@greenlight/testing';

// A system prompt long enough to fill several 16-token prefix-cache blocks.
const SYSTEM = `You are a careful assistant. ${'Answer briefly and cite nothing. '.repeat(12)}`;

describe('simulator through the official openai client', () => {
  let sim: SimulatorHandle;
  let client: OpenAI;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-openai-'));
    const knowledge = join(dir, 'knowledge.yaml');
    writeFileSync(knowledge, '"What is the capital of France?": Paris is the capital of France.\n');
    sim = await startSimulator({
      model: 'chat',
      version: 'v2',
      args: ['--itl', '1ms', '--ttft-overhead', '2ms', '--knowledge', knowledge],
    });
    client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  afterAll(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams chat chunks, then a usage chunk; a repeated prompt reports cached tokens', async () => {
    const ask = async () => {
      const stream = await client.chat.completions.create({
        model: 'chat',
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: 'Tell me something.' },
        ],
        max_tokens: 12,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    };

    const first = await ask();
    const [opening] = first;
    expect(opening?.object).toBe('chat.completion.chunk');
    expect(opening?.choices[0]?.delta.role).toBe('assistant');
    const contents = first.filter((c) => c.choices[0]?.delta.content);
    expect(contents).toHaveLength(12);
    const final = first.find((c) => c.choices[0]?.finish_reason);
    expect(final?.choices[0]?.finish_reason).toBe('length');
    const usageChunk = first.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toMatchObject({ completion_tokens: 12 });
    expect(usageChunk?.usage?.prompt_tokens).toBeGreaterThan(64);
    expect(usageChunk?.usage?.total_tokens).toBe((usageChunk?.usage?.prompt_tokens ?? 0) + 12);
    expect(usageChunk?.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(new Set(first.map((c) => c.id)).size).toBe(1);

    const again = await ask();
    const cached = again.at(-1)?.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThan(0);
    expect(cached % 16).toBe(0);
  });

  it('counts prompt tokens as /tokenize does for the same messages', async () => {
    const messages = [{ role: 'user' as const, content: 'How many tokens is this?' }];
    const completion = await client.chat.completions.create({
      model: 'chat',
      messages,
      max_tokens: 1,
    });
    const tokenized = await fetch(`${sim.url}/tokenize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages }),
    });
    const body = (await tokenized.json()) as {
      count: number;
      tokens: number[];
      max_model_len: number;
    };
    expect(body.count).toBe(completion.usage?.prompt_tokens);
    expect(body.tokens).toHaveLength(body.count);
    expect(body.max_model_len).toBe(8192);
  });

  it('streams text completions', async () => {
    const stream = await client.completions.create({
      model: 'chat',
      prompt: 'Once upon a time',
      max_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.object === 'text_completion')).toBe(true);
    const text = chunks.map((c) => c.choices[0]?.text ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe(
      'length',
    );
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(5);
  });

  it('answers without streaming, naming version and replica in headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.role).toBe('assistant');
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.choices[0]?.finish_reason).toBe('length');
    expect(data.usage?.completion_tokens).toBe(4);
    expect(response.headers.get('x-sim-version')).toBe('v2');
    expect(response.headers.get('x-sim-replica')).toBe(String(sim.port));

    const text = await client.completions.create({ model: 'chat', prompt: 'hi', max_tokens: 3 });
    expect(text.object).toBe('text_completion');
    expect(text.usage?.completion_tokens).toBe(3);
  });

  it('answers a known prompt from the knowledge file and stops', async () => {
    const completion = await client.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: '  what is the capital of france? ' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Paris is the capital of France.');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('gives the same filler text for the same prompt (deterministic under the seed)', async () => {
    const ask = () =>
      client.completions.create({ model: 'chat', prompt: 'Write a line.', max_tokens: 8 });
    expect((await ask()).choices[0]?.text).toBe((await ask()).choices[0]?.text);
  });

  it('lists the served model as vLLM does', async () => {
    const models = await client.models.list();
    expect(models.data).toEqual([
      expect.objectContaining({
        id: 'chat',
        object: 'model',
        owned_by: 'vllm',
        max_model_len: 8192,
      }),
    ]);
  });

  it('surfaces errors as APIError with the status: unknown model 404, bad field 400', async () => {
    const unknown = client.chat.completions.create({
      model: 'gpt-missing',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(unknown).rejects.toBeInstanceOf(APIError);
    await expect(unknown).rejects.toMatchObject({
      status: 404,
      type: 'NotFoundError',
      message: expect.stringContaining('The model `gpt-missing` does not exist.'),
    });

    const bad = client.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 0,
    });
    await expect(bad).rejects.toMatchObject({
      status: 400,
      type: 'BadRequestError',
      param: 'max_tokens',
      message: expect.stringContaining('max_tokens: must be at least 1'),
    });

    const noMessages = client.chat.completions.create({ model: 'chat', messages: [] });
    await expect(noMessages).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('messages: must not be empty'),
    });
  });
});
