import { startSimulator, type SimulatorHandle } from '@greenlight/testing';
import type { HotPrefix } from './hot-prefix.types';
import { prewarmPrefixes } from './prefix-prewarm.util';

function hot(i: number): HotPrefix {
  return {
    id: `prefix-${i}`,
    messages: [
      { role: 'system', content: `You are assistant ${i}. ${'Be precise and kind. '.repeat(40)}` },
    ],
    score: 10 - i,
    tokens: 200,
  };
}

async function cachedTokens(url: string, prefix: HotPrefix): Promise<number> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'chat',
      max_tokens: 1,
      messages: [...prefix.messages, { role: 'user', content: 'A question nobody asked before' }],
    }),
  });
  const body = (await response.json()) as {
    usage: { prompt_tokens_details: { cached_tokens: number } };
  };
  return body.usage.prompt_tokens_details.cached_tokens;
}

describe('prewarmPrefixes (real simulators)', () => {
  const sims: SimulatorHandle[] = [];

  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop(2_000)));
  });

  it('replays every prefix on every replica, so users hit a warm prefix cache', async () => {
    sims.push(...(await Promise.all([startSimulator(), startSimulator()])));
    const prefixes = [hot(0), hot(1), hot(2)];

    const report = await prewarmPrefixes({
      model: 'chat',
      endpoints: sims.map((s) => s.url),
      prefixes,
      concurrency: 2,
      budgetMs: 10_000,
    });

    expect(report).toMatchObject({ prefixes: 3, replicas: 2, complete: true });
    expect(report.tokens).toBeGreaterThan(0);
    expect(report.cachedTokens).toBeGreaterThan(0);
    for (const sim of sims.slice(0, 2)) {
      for (const prefix of prefixes)
        expect(await cachedTokens(sim.url, prefix)).toBeGreaterThan(100);
    }
  });

  it('stops when the budget runs out and reports only what was done', async () => {
    // 20 ms per prompt token: one replay takes seconds, far past the budget.
    const slow = await startSimulator({ args: ['--prefill-per-token', '20ms'] });
    sims.push(slow);
    const started = Date.now();

    const report = await prewarmPrefixes({
      model: 'chat',
      endpoints: [slow.url],
      prefixes: [hot(0), hot(1)],
      concurrency: 1,
      budgetMs: 500,
    });

    expect(Date.now() - started).toBeLessThan(1_500);
    expect(report).toMatchObject({ prefixes: 0, replicas: 0, cachedTokens: 0, complete: false });
  });
});
