import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployRequest, seedLiveRelease } from '@greenlight/fixtures';
import {
  startSimulator,
  startStack,
  waitFor,
  type SimulatorHandle,
  type Stack,
} from '@greenlight/testing';
import { apiClient } from '../support/api.util';

const SERVICE = 'chat-watch';
/** Nothing here should take long: a stuck watch is killed and reported with what it printed. */
const CLI_TIMEOUT_MS = 90_000;
/** Seven services start at once; on a loaded 2-core machine that alone can take most of a minute. */
const STACK_READY_MS = 90_000;
/** A deploy that goes all the way in seconds: one short bake, a short standby, no cache work. */
const FAST = {
  readiness: { timeout: '30s', warmupRequests: 1 },
  steps: [{ weight: 20, bake: '2s' }, { weight: 100 }],
  // No client traffic here: nothing to judge, so no minimum sample.
  analysis: { interval: '1s', minSamples: 0 },
  drain: { timeout: '5s' },
  standby: '1s',
};
const NO_CACHE_WORK = { prefixWarmup: { topPrefixes: 0 }, semantic: { backend: 'none' } };

interface CliRun {
  stdout: () => string;
  done: Promise<{ code: number | string; stdout: string; stderr: string }>;
}

/** The built CLI as a CI job runs it: stdout is a pipe, so it prints plain lines. */
function runCli(stack: Stack, args: string[]): CliRun {
  const child = spawn(
    process.execPath,
    [
      'bin/greenlight.js',
      ...args,
      '--url',
      stack.urls.orchestrator,
      '--token',
      stack.operatorToken,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  const done = new Promise<{ code: number | string; stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? 'unknown', stdout, stderr });
    });
  });
  return { stdout: () => stdout, done };
}

/** The phases the plain output went through: its phase column, repeats dropped. */
function phasesIn(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /^\d\d:\d\d:\d\d {2}\S/.test(line))
    .map((line) => line.slice(10, 22).trim())
    .filter((phase, i, all) => phase !== all[i - 1]);
}

describe('greenlight watch and deploy --watch (built CLI, real stack, real deploys)', () => {
  let stack: Stack;
  let api: ReturnType<typeof apiClient>;
  let dir: string;
  const sims: SimulatorHandle[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenlight-watch-'));
    stack = await startStack({ logDir: 'tmp/e2e-logs/cli-watch', readyTimeoutMs: STACK_READY_MS });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
    for (const version of ['v1', 'v2', 'v3']) {
      sims.push(await startSimulator({ model: SERVICE, version }));
    }
    await seedLiveRelease(stack.redis, SERVICE, 'v1', [sims[0]!.url]);
  });
  afterAll(async () => {
    await stack?.dispose();
    await Promise.all(sims.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('`watch ID` prints each phase in order with the weights, and exits 0 when it completes', async () => {
    const created = await api.post<{ id: string }>(
      '/v1/deployments',
      deployRequest(SERVICE, 'v2', {
        pool: { driver: 'static', endpoints: [sims[1]!.url] },
        strategy: FAST,
        caches: NO_CACHE_WORK,
      }),
    );
    expect(created.status).toBe(202);
    const id = created.body.id;

    const { code, stdout, stderr } = await runCli(stack, ['watch', id]).done;

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(phasesIn(stdout)).toEqual([
      'Requested',
      'Provisioning',
      'WarmingUp',
      'Verifying',
      'Canary',
      'Ramping',
      'Promoted',
      'Draining',
      'Standby',
      'Completed',
    ]);
    expect(stdout).toMatch(/ Canary +Verifying took [\d.]+s; step 1\/2: 20 % green, bake 2\.0s; /);
    expect(stdout).toMatch(
      / Canary +weights blue v1 80 % \/ green v2 20 % \(routing v\d+ applied\)/,
    );
    expect(stdout).toMatch(/ Ramping +weights blue v1 0 % \/ green v2 100 %/);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(`^deployment ${id} Completed after \\d`),
    );
    // Not a terminal: no cursor movement or colour codes in a CI log.
    expect(stdout).not.toContain('\u001b');
  });

  it('`deploy -f … --watch` deploys, follows the canary live, and exits 1 when an operator aborts it', async () => {
    const manifest = join(dir, 'release.json');
    writeFileSync(
      manifest,
      JSON.stringify(
        deployRequest(SERVICE, 'v3', {
          pool: { driver: 'static', endpoints: [sims[2]!.url] },
          strategy: { ...FAST, steps: [{ weight: 50, bake: '1h' }, { weight: 100 }] },
          caches: NO_CACHE_WORK,
        }),
      ),
    );

    const run = runCli(stack, ['deploy', '-f', manifest, '--watch']);
    const id = await waitFor(
      () => /deployment (\w{26}) of chat-watch accepted/.exec(run.stdout())?.[1],
      {
        what: 'the accepted line',
        timeoutMs: 20_000,
      },
    );
    await waitFor(() => /weights blue v2 50 % \/ green v3 50 %/.test(run.stdout()), {
      what: 'the watch to show the canary at 50 %',
      timeoutMs: 30_000,
    });
    expect((await api.post(`/v1/deployments/${id}/abort`, { reason: 'watch e2e' })).status).toBe(
      202,
    );
    const { code, stdout } = await run.done;

    expect(code).toBe(1);
    expect(phasesIn(stdout)).toEqual([
      'Requested',
      'Provisioning',
      'WarmingUp',
      'Verifying',
      'Canary',
      'RollingBack',
      'Aborted',
    ]);
    expect(stdout).toMatch(
      / RollingBack +Canary took [\d.]+s; abort requested by user:\S+: watch e2e/,
    );
    expect(stdout).toMatch(/ RollingBack +weights blue v2 100 % \/ green v3 0 %/);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(`^deployment ${id} Aborted after`),
    );
  });

  it('exits 2 for a deployment that does not exist, saying so', async () => {
    const { code, stderr } = await runCli(stack, ['watch', '01JAAAAAAAAAAAAAAAAAAAAAAA']).done;

    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: 404 /);
  });
});
