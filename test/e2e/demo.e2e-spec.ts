import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findRepoRoot,
  freePort,
  spawnManaged,
  waitFor,
  waitForOutput,
  type ManagedProcess,
} from '@greenlight/testing';

/**
 * `npm start` and `npm run demo:bad` as a user runs them, on free ports and a temporary state
 * directory: the first leaves the stack running, the second deploys a bad release against it,
 * and Ctrl-C on the first stops every process the stack started.
 */
const ROOT = findRepoRoot(__dirname);
const DEMO = join(ROOT, 'scripts', 'demo.mjs');
/** Stack start, the v1 pool, then a deploy of about a minute and a half: generous for 2 busy cores. */
const GOOD_DEMO_MS = 300_000;
const BAD_DEMO_MS = 240_000;
const STOP_MS = 90_000;

interface PhaseRow {
  phase: string;
  atMs: number;
  durationMs: number | null;
}

interface DemoSummary {
  demo: string;
  id: string;
  version: string;
  phase: string;
  ok: boolean;
  phases: PhaseRow[];
  requests: Record<string, number>;
  versions: Record<string, number>;
  streams: number;
  failures: number;
  cutStreams: number;
  failuresOfTheBadRelease?: number;
  reason?: string;
}

function summaryOf(output: string): DemoSummary {
  const line = output.split('\n').find((l) => l.startsWith('summary: '));
  if (!line) throw new Error(`no summary line in the demo's output:\n${output}`);
  return JSON.parse(line.slice('summary: '.length)) as DemoSummary;
}

/** Pids whose command line names the state directory or the stack's ports, or whose env does. */
function stackProcesses(dir: string, natsPort: number, redisPort: number): string[] {
  const own = String(process.pid);
  const rows = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  return rows.filter((row) => {
    const [pid = ''] = row.trim().split(/\s+/, 1);
    if (!pid || pid === own) return false;
    if (row.includes(dir) || row.includes(`127.0.0.1:${redisPort}`)) return true;
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`127.0.0.1:${natsPort}`);
    } catch {
      return false; // ended meanwhile, or not ours to read
    }
  });
}

describe('the demo: npm start, then npm run demo:bad against the stack it left running', () => {
  let dir: string;
  let ports: { orchestrator: number; gateway: number; nats: number; redis: number };
  let upArgs: string[];
  let start: ManagedProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenlight-demo-'));
    const [orchestrator, gateway, nats, redis] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    ports = { orchestrator, gateway, nats, redis };
    upArgs = [
      '--dir',
      dir,
      '--orchestrator-port',
      String(ports.orchestrator),
      '--gateway-port',
      String(ports.gateway),
      '--nats-port',
      String(ports.nats),
      '--redis-port',
      String(ports.redis),
    ];
  });
  afterAll(async () => {
    await start?.stop(STOP_MS);
    // If the demo died without stopping it, `greenlight up` still runs from its pid file.
    try {
      process.kill(Number(readFileSync(join(dir, 'up.pid'), 'utf8').trim()), 'SIGINT');
    } catch {
      // no pid file (it stopped) or already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }, STOP_MS + 10_000);

  it(
    'npm start deploys v2 under load to Completed, every phase in order, both releases served, no request failed or stream cut',
    async () => {
      start = spawnManaged('npm start', process.execPath, [DEMO, ...upArgs], {
        cwd: ROOT,
        env: { ...process.env, GREENLIGHT_DEMO_EXIT: '' },
        logFile: join(ROOT, 'tmp', 'e2e-logs', 'demo', 'npm-start.log'),
      });
      await waitForOutput(start, /^summary: /m, GOOD_DEMO_MS);
      // What to try next comes right after the summary; its last line is the gateway's.
      await waitForOutput(start, /curl -s http:\S+\/v1\/models/, 30_000);

      const summary = summaryOf(start.output());
      expect(summary).toMatchObject({
        demo: 'good',
        version: 'v2',
        phase: 'Completed',
        ok: true,
        failures: 0,
        cutStreams: 0,
      });
      expect(summary.phases.map((p) => p.phase)).toEqual([
        'Requested',
        'Provisioning',
        'WarmingUp',
        'Verifying',
        'Canary',
        'Ramping',
        'Ramping',
        'Ramping',
        'Promoted',
        'Draining',
        'Standby',
        'Completed',
      ]);
      const offsets = summary.phases.map((p) => p.atMs);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(summary.requests['blue/v1']).toBeGreaterThan(0);
      expect(summary.requests['green/v2']).toBeGreaterThan(0);
      expect(summary.streams).toBeGreaterThan(0);
      // What to try next, with this stack's addresses.
      const output = start.output();
      expect(output).toContain(`rollback ${summary.id}`);
      expect(output).toContain('npm run demo:bad');
      expect(output).toMatch(
        new RegExp(`http://127\\.0\\.0\\.1:${ports.orchestrator}/#token=\\S+`),
      );
      // The stack keeps running after the summary.
      const health = await fetch(`http://127.0.0.1:${ports.orchestrator}/healthz`);
      expect(health.status).toBe(200);
    },
    GOOD_DEMO_MS + 10_000,
  );

  it(
    'npm run demo:bad uses the running stack: the slow release passes the eval, the canary analysis rolls it back, blue keeps serving',
    async () => {
      const bad = spawnManaged('npm run demo:bad', process.execPath, [DEMO, '--bad', ...upArgs], {
        cwd: ROOT,
        env: { ...process.env, GREENLIGHT_DEMO_EXIT: '1' },
        logFile: join(ROOT, 'tmp', 'e2e-logs', 'demo', 'demo-bad.log'),
      });
      const timer = setTimeout(() => void bad.stop(), BAD_DEMO_MS);
      const code = await bad.exited;
      clearTimeout(timer);

      const output = bad.output();
      expect({ code, output }).toMatchObject({ code: 0 });
      expect(output).toContain('using the stack running from');
      const summary = summaryOf(output);
      expect(summary).toMatchObject({
        demo: 'bad',
        version: 'v3-slow',
        phase: 'RolledBack',
        ok: true,
        failures: 0,
        cutStreams: 0,
      });
      expect(summary.reason).toMatch(/analysis failed at step 1: .*(ttft|itl|e2e)/);
      expect(summary.phases.map((p) => p.phase)).toEqual([
        'Requested',
        'Provisioning',
        'WarmingUp',
        'Verifying',
        'Canary',
        'RollingBack',
        'RolledBack',
      ]);
      // Blue is the release `npm start` completed; the bad one had its 1 % and no more.
      expect(summary.requests['blue/v2']).toBeGreaterThan(0);
      expect(summary.versions['v3-slow'] ?? 0).toBeLessThan(summary.versions['v2']! / 10);
      // It ran against the stack left running, and leaves it running.
      const health = await fetch(`http://127.0.0.1:${ports.orchestrator}/healthz`);
      expect(health.status).toBe(200);
    },
    BAD_DEMO_MS + 10_000,
  );

  it(
    'Ctrl-C on npm start stops the whole stack: no process it started is left',
    async () => {
      expect(start).toBeDefined();
      start!.child.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        start!.exited,
        new Promise((resolve) => (timer = setTimeout(() => resolve('still running'), STOP_MS))),
      ]);
      clearTimeout(timer);
      expect(code).toBe(0);
      await waitFor(() => stackProcesses(dir, ports.nats, ports.redis).length === 0, {
        what: 'every stack process to end',
        timeoutMs: 15_000,
        intervalMs: 250,
      }).catch(() => {
        throw new Error(
          `left running:\n${stackProcesses(dir, ports.nats, ports.redis).join('\n')}`,
        );
      });
    },
    STOP_MS + 30_000,
  );
});
