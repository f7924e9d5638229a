import { connect } from 'node:net';
import { sleep, startSimulator, waitFor, type SimulatorHandle } from '@greenlight/testing';
import { probePool, type PoolOutcome } from './pool-prober';
import { UndiciProbeTransport } from './probe.transport';

// Real greenlight-sim processes: needs `node scripts/build.mjs` first (startSimulator says so).
const sims: SimulatorHandle[] = [];

async function sim(...args: Parameters<typeof startSimulator>): Promise<SimulatorHandle> {
  const handle = await startSimulator(...args);
  sims.push(handle);
  return handle;
}

afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop(2_000)));
});

interface RunningProbe {
  /** When the replica was reported ready (ms since epoch), if it was. */
  readyAt(): number | undefined;
  done: Promise<PoolOutcome>;
}

/** Probes one replica through the real undici transport until `deadlineMs` from now. */
function probe(url: string, deadlineMs: number, warmupRequests = 2): RunningProbe {
  const transport = new UndiciProbeTransport();
  let readyAt: number | undefined;
  const done = probePool(
    {
      endpoints: [{ replica: 0, url }],
      servedModel: 'chat',
      warmupRequests,
      deadline: new Date(Date.now() + deadlineMs),
      timeoutMs: deadlineMs,
    },
    {
      transport,
      onReplicaReady: async () => {
        readyAt = Date.now();
      },
    },
  ).finally(() => transport.close());
  return { readyAt: () => readyAt, done };
}

async function putJson(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
}

/** Polls the port every 20 ms; resolves with the time a TCP connection first succeeded. */
async function firstAccept(port: number, timeoutMs: number): Promise<number> {
  return waitFor(
    () =>
      new Promise<number | false>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port });
        socket.once('connect', () => {
          socket.destroy();
          resolve(Date.now());
        });
        socket.once('error', () => {
          socket.destroy();
          resolve(false);
        });
      }),
    { timeoutMs, intervalMs: 20, what: `port ${port} to accept` },
  );
}

function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

describe('readiness prober against the real simulator', () => {
  it('does not declare a cold-starting replica ready while its port refuses, and sees it within ~1 s after', async () => {
    const socketsBefore = tcpSockets();
    const replica = await sim({ coldStart: '3s', waitReady: false });

    const running = probe(replica.url, 30_000);
    const acceptedAt = await firstAccept(replica.port, 20_000);
    const outcome = await running.done;

    expect(outcome.outcome).toBe('ready');
    const readyAt = running.readyAt()!;
    expect(readyAt).toBeGreaterThan(acceptedAt);
    expect(readyAt - acceptedAt).toBeLessThanOrEqual(1_500);
    if (outcome.outcome === 'ready') {
      const connectPassed = Date.parse(outcome.replicas[0]!.stages.connect);
      expect(connectPassed).toBeGreaterThanOrEqual(acceptedAt - 25); // poll granularity
    }
    // The run's own agent is closed: it leaves no socket behind.
    await waitFor(() => tcpSockets() <= socketsBefore, { what: 'probe sockets to close' });
  });

  it('is not ready while /v1/models lacks the model, and is once the name is fixed', async () => {
    const replica = await sim({ args: ['--served-model-name', 'other'] });

    const short = await probe(replica.url, 1_500).done;
    const running = probe(replica.url, 30_000);
    await sleep(1_500);
    const readyBeforeFix = running.readyAt();
    const fixedAt = Date.now();
    await putJson(`${replica.url}/admin/served-model-name`, { name: 'chat' });
    const outcome = await running.done;

    expect(short).toEqual({
      outcome: 'failed',
      replica: 0,
      stage: 'models',
      reason: `replica 0 (${replica.url}) not ready after 1.5 s: /v1/models does not list "chat" (it lists "other")`,
    });
    expect(readyBeforeFix).toBeUndefined();
    expect(outcome.outcome).toBe('ready');
    expect(running.readyAt()! - fixedAt).toBeLessThanOrEqual(1_500);
  });

  it('is not ready while warm-up completions fail, and is once they succeed', async () => {
    const replica = await sim();
    await putJson(`${replica.url}/admin/faults`, { failCompletions: true });

    const short = await probe(replica.url, 1_500).done;
    const running = probe(replica.url, 30_000);
    await sleep(1_500);
    const readyBeforeFix = running.readyAt();
    await putJson(`${replica.url}/admin/faults`, { failCompletions: false });
    const outcome = await running.done;

    expect(short).toMatchObject({
      outcome: 'failed',
      stage: 'warmup',
      reason: expect.stringMatching(
        /^replica 0 \(.+\) not ready after 1\.5 s: warm-up completion 1 of 2 failed: \/v1\/chat\/completions answered 500: .+/,
      ),
    });
    expect(readyBeforeFix).toBeUndefined();
    expect(outcome.outcome).toBe('ready');
  });

  it('fails at the deadline naming the stage a never-ready or still-loading replica is stuck at', async () => {
    const [neverReady, loading] = await Promise.all([
      sim({ args: ['--never-ready'] }),
      sim({ coldStart: '60s', waitReady: false }),
    ]);

    const [stuckAtHealth, stuckAtConnect] = await Promise.all([
      probe(neverReady.url, 2_000).done,
      probe(loading.url, 2_000).done,
    ]);

    expect(stuckAtHealth).toMatchObject({
      outcome: 'failed',
      stage: 'health',
      reason: expect.stringMatching(/not ready after 2 s: \/health answered 503/),
    });
    expect(stuckAtConnect).toEqual({
      outcome: 'failed',
      replica: 0,
      stage: 'connect',
      reason: `replica 0 (${loading.url}) not ready after 2 s: connection refused (the server is still loading or crashed)`,
    });
  });
});
