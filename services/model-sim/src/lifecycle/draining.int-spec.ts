import { Agent, request } from 'node:http';
import { parseSimOptions } from '../config/sim-options.schema';
import { startSimServer, type SimServer } from '../sim-server';
import { waitFor } from '@greenlight/testing';

function call(
  agent: Agent,
  url: string,
  body?: unknown,
): Promise<{ status: number | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent, method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('draining after SIGTERM (in-process)', () => {
  let server: SimServer | undefined;

  afterAll(async () => {
    await server?.close();
  });

  it('answers 503 to a request that arrives on a kept-alive connection while in-flight work finishes', async () => {
    server = await startSimServer(
      parseSimOptions({ model: 'chat', version: 'v1', port: 0, itl: '50ms', ttftOverhead: '1ms' }),
    );
    const shortLived = new Agent({ keepAlive: true, maxSockets: 1 });
    const longLived = new Agent({ keepAlive: true, maxSockets: 1 });
    const long = call(longLived, `${server.url}/v1/completions`, { prompt: 'a', max_tokens: 40 });
    const short = call(shortLived, `${server.url}/v1/completions`, { prompt: 'b', max_tokens: 10 });
    // Both requests are being served (not merely sent) before SIGTERM, however busy the machine.
    const url = server.url;
    await waitFor(
      async () => {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        const running = /^vllm:num_requests_running\{[^}]*\} (\d+)/m.exec(metrics);
        return Number(running?.[1] ?? 0) >= 2;
      },
      { what: 'both requests running', timeoutMs: 10_000, intervalMs: 10 },
    );

    const stopped = server.shutdown(30_000);
    expect((await short).status).toBe(200);
    // Same connection, reused by the agent after the server stopped accepting.
    const late = await call(shortLived, `${server.url}/health`);
    expect(late.status).toBe(503);
    expect(JSON.parse(late.text)).toMatchObject({
      error: { type: 'ServiceUnavailableError', code: 503 },
    });
    expect((await long).status).toBe(200);
    expect(await stopped).toEqual({ aborted: 0 });
    shortLived.destroy();
    longLived.destroy();
  });
});
