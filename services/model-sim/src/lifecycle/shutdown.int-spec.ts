import {
  connectionRefused,
  sseData,
  startSimulator,
  type SimulatorHandle,
} from '@greenlight/testing';

interface StreamEnd {
  contentChunks: number;
  finishReason: string | null | undefined;
  done: boolean;
}

/** Starts a chat stream; resolves `started` at the first content token and `ended` when it ends. */
async function openStream(sim: SimulatorHandle, maxTokens: number) {
  const response = await fetch(`${sim.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'chat',
      messages: [{ role: 'user', content: 'Tell me a long story.' }],
      max_tokens: maxTokens,
      stream: true,
    }),
  });
  expect(response.status).toBe(200);
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const ended = (async (): Promise<StreamEnd> => {
    const end: StreamEnd = { contentChunks: 0, finishReason: undefined, done: false };
    for await (const data of sseData(response)) {
      if (data === '[DONE]') {
        end.done = true;
        continue;
      }
      const chunk = JSON.parse(data) as {
        choices: { delta: { content?: string }; finish_reason: string | null }[];
      };
      const choice = chunk.choices[0];
      if (choice?.delta.content) {
        end.contentChunks += 1;
        markStarted();
      }
      if (choice?.finish_reason) end.finishReason = choice.finish_reason;
    }
    markStarted();
    return end;
  })();
  return { started, ended };
}

// Both cases share one 20 s stream shape (200 tokens at 100 ms) and run side by side.
const SLOW = ['--itl', '100ms', '--ttft-overhead', '5ms'];

describe('SIGTERM like vLLM', () => {
  const sims: SimulatorHandle[] = [];

  afterAll(async () => {
    await Promise.all(sims.map((sim) => sim.kill()));
  });

  it('with --shutdown-timeout lets a stream finish; without one aborts it', async () => {
    const [graceful, abrupt] = await Promise.all([
      startSimulator({ version: 'v1', args: [...SLOW, '--shutdown-timeout', '30'] }),
      startSimulator({ version: 'v1', args: SLOW }),
    ]);
    sims.push(graceful, abrupt);
    const [long, cut] = await Promise.all([openStream(graceful, 200), openStream(abrupt, 200)]);
    await Promise.all([long.started, cut.started]);

    const gracefulExit = graceful.kill('SIGTERM');
    const abruptExit = abrupt.kill('SIGTERM');

    // Without a timeout: the stream is cut at once and ends with finish_reason "abort", no [DONE].
    const cutEnd = await cut.ended;
    expect(cutEnd.finishReason).toBe('abort');
    expect(cutEnd.done).toBe(false);
    expect(cutEnd.contentChunks).toBeLessThan(200);
    expect(await abruptExit).toBe(0);
    expect(abrupt.output()).toMatch(/1 request\(s\) aborted/);

    // With a timeout: no new connections while the in-flight stream runs to its end.
    expect(await connectionRefused(graceful.port)).toBe(true);
    const longEnd = await long.ended;
    expect(longEnd).toEqual({ contentChunks: 200, finishReason: 'length', done: true });
    expect(await gracefulExit).toBe(0);
    expect(graceful.output()).toMatch(/0 request\(s\) aborted/);
  }, 60_000);
});

describe('crashAfter', () => {
  let sim: SimulatorHandle | undefined;

  afterAll(async () => {
    await sim?.kill();
  });

  it('exits with code 1 right after answering its Nth completion', async () => {
    sim = await startSimulator({ version: 'v1', args: ['--crash-after', '3', '--itl', '1ms'] });
    const ask = () =>
      fetch(`${sim!.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ prompt: 'hi', max_tokens: 2 }),
      });
    for (let i = 0; i < 3; i++) expect((await ask()).status).toBe(200);
    expect(await sim.exited).toBe(1);
    expect(await connectionRefused(sim.port)).toBe(true);
  });
});
