import { spawn } from 'node:child_process';
import { findBinary, startSimulator, type SimulatorHandle } from '@greenlight/testing';

/** The one promtool lint vLLM's names trip by design (they carry the "vllm:" prefix). */
const COLON_LINT = /^vllm:\S+ metric names should not contain ':'$/;

function promtoolCheck(text: string): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(findBinary('promtool'), ['check', 'metrics'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        lines: output
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      }),
    );
    child.stdin.end(text);
  });
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

describe('simulator /metrics', () => {
  let sim: SimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator({ model: 'chat', version: 'v1', args: ['--itl', '1ms'] });
  });

  afterAll(async () => {
    await sim?.stop();
  });

  async function post(path: string, body: unknown): Promise<string> {
    const response = await fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.text();
  }

  it('passes promtool check metrics (only the ":" lint) after traffic, with vLLM names', async () => {
    const messages = [
      { role: 'user', content: `Summarize this: ${'the quick brown fox '.repeat(20)}` },
    ];
    for (let i = 0; i < 3; i++) await post('/v1/chat/completions', { messages, max_tokens: 5 });
    await post('/v1/chat/completions', { messages, max_tokens: 5, stream: true });
    await post('/v1/completions', { prompt: 'hello', max_tokens: 3 });
    await post('/v1/completions', { model: 'missing', prompt: 'hello' });

    const response = await fetch(`${sim.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();

    const { code, lines } = await promtoolCheck(text);
    expect(lines.filter((line) => !COLON_LINT.test(line))).toEqual([]);
    expect(lines).toContain("vllm:num_requests_running metric names should not contain ':'");
    expect([0, 3]).toContain(code); // 3 = lint findings only

    const labels = '{model_name="chat",engine="0"}';
    expect(sample(text, `vllm:num_requests_running${labels}`)).toBe(0);
    expect(sample(text, `vllm:num_requests_waiting${labels}`)).toBe(0);
    expect(sample(text, `vllm:kv_cache_usage_perc${labels}`)).toBe(0);
    expect(sample(text, `vllm:generation_tokens_total${labels}`)).toBe(3 * 5 + 5 + 3);
    expect(sample(text, `vllm:prompt_tokens_total${labels}`)).toBeGreaterThan(0);
    expect(
      sample(
        text,
        'vllm:request_success_total{model_name="chat",engine="0",finished_reason="length"}',
      ),
    ).toBe(5);
    expect(sample(text, `vllm:prefix_cache_hits_total${labels}`)).toBeGreaterThan(0);
    expect(sample(text, `vllm:prefix_cache_queries_total${labels}`)).toBeGreaterThan(
      sample(text, `vllm:prefix_cache_hits_total${labels}`),
    );
    for (const histogram of [
      'vllm:time_to_first_token_seconds',
      'vllm:inter_token_latency_seconds',
      'vllm:e2e_request_latency_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${histogram} histogram`);
    }
    expect(sample(text, `vllm:time_to_first_token_seconds_count${labels}`)).toBe(5);
    expect(sample(text, `vllm:e2e_request_latency_seconds_count${labels}`)).toBe(5);
  });
});
