import type { Pool } from '@greenlight/contracts';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quote } from 'shell-quote';
import type { ReplicaStatus } from '../pool-driver.types';
import { parsePoolRecord, type PoolRecord, type ProcessPoolRecord } from '../pool-record.schema';
import { ADOPTED_EXIT_DETAIL, POOL_ERRORS } from '../pools.constants';
import { signalGroup } from './process-group.util';
import {
  listProcessPoolRecords,
  ProcessPoolDriver,
  type ProcessDriverOptions,
} from './process-pool.driver';
import { sleep } from '../pool-driver.util';
import { allocatePort } from './port-allocator.util';

/** Polls until `probe` yields a value (libs/testing cannot be used here: it depends on this lib). */
async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs, what }: { timeoutMs: number; what: string },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

const FIXTURE = join(__dirname, '..', 'testing-fixtures', 'fixture-server.js');

let root: string;
let binDir: string;
let dataDir: string;
let templateFile: string;
const started: ProcessPoolRecord[] = [];
const strays: number[] = [];

/** An executable on the driver's pathPrepend, so the command resolves through PATH like greenlight-sim. */
function installFixture(name: string): void {
  const file = join(binDir, name);
  writeFileSync(file, `#!/bin/sh\nexec ${quote([process.execPath, FIXTURE])} "$@"\n`);
  chmodSync(file, 0o755);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'greenlight-pools-'));
  binDir = join(root, 'bin');
  dataDir = join(root, 'data');
  templateFile = join(root, 'llama3.jinja');
  writeFileSync(templateFile, '{{ messages }}');
  mkdirSync(binDir);
  installFixture('pool-fixture');
});

afterAll(() => {
  // Whatever a failed test left behind: kill -9 every process group it started.
  for (const record of started) {
    for (const replica of record.replicas) signalGroup(replica.pid, replica.startTime, 'SIGKILL');
  }
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(root, { recursive: true, force: true });
});

function newDriver(options: Partial<ProcessDriverOptions> = {}): ProcessPoolDriver {
  return new ProcessPoolDriver({
    dataDir,
    pathPrepend: [binDir],
    watchIntervalMs: 100,
    ...options,
  });
}

function processPool(
  args: string,
  extra: Partial<Extract<Pool, { driver: 'process' }>> = {},
): Pool {
  return {
    driver: 'process',
    replicas: 2,
    command: `pool-fixture --port {port} ${args}`,
    stopTimeout: 10_000,
    ...extra,
  };
}

async function startPool(driver: ProcessPoolDriver, pool: Pool, release = 'v2') {
  const record = (await driver.start({
    service: 'chat',
    release,
    pool,
    templateFile,
  })) as ProcessPoolRecord;
  started.push(record);
  return record;
}

interface FixtureAnswer {
  port: number;
  pid: number;
  workerPid: number | null;
  argv: string[];
  greeting: string | null;
}

async function answer(url: string): Promise<FixtureAnswer> {
  return waitFor(
    async () => {
      const response = await fetch(url);
      return (await response.json()) as FixtureAnswer;
    },
    { timeoutMs: 15_000, what: `${url} to answer` },
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * kill(pid, 0) throws ESRCH once the process is gone and reaped. A worker orphaned by its
 * leader's exit is reaped by init, which can take a moment after it died.
 */
async function expectGone(pid: number): Promise<void> {
  await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, what: `process ${pid} to be gone` });
  expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
}

describe('ProcessPoolDriver (real processes)', () => {
  it('starts every replica on its own port with the placeholders, pool.env and a log file', async () => {
    const driver = newDriver();
    const record = await startPool(
      driver,
      processPool(
        '--model {model} --version {version} --replica {replica} --chat-template {template}',
        {
          env: { FIXTURE_GREETING: 'hello from pool.env' },
        },
      ),
    );

    const answers = await Promise.all(record.replicas.map((r) => answer(r.url)));

    expect(new Set(record.replicas.map((r) => r.port)).size).toBe(2);
    expect(record.replicas.map((r) => r.url)).toEqual(
      record.replicas.map((r) => `http://127.0.0.1:${r.port}`),
    );
    answers.forEach((a, replica) => {
      expect(a.argv).toEqual([
        '--port',
        String(record.replicas[replica]!.port),
        '--model',
        'chat',
        '--version',
        'v2',
        '--replica',
        String(replica),
        '--chat-template',
        templateFile,
      ]);
      expect(a.greeting).toBe('hello from pool.env');
    });
    expect(await driver.status(record)).toEqual([
      { replica: 0, url: record.replicas[0]!.url, state: 'running' },
      { replica: 1, url: record.replicas[1]!.url, state: 'running' },
    ]);
    // A host killed before it stored the record can still find the pool beside its logs.
    expect(listProcessPoolRecords(dataDir)).toContainEqual(record);
    for (const replica of record.replicas) {
      expect(replica.logFile).toBe(join(record.dir, `replica-${replica.replica}.log`));
      expect(replica.logFile.startsWith(join(dataDir, 'chat', 'v2'))).toBe(true);
      expect(readFileSync(replica.logFile, 'utf8')).toContain(
        `listening on 127.0.0.1:${replica.port}`,
      );
    }

    await driver.stop(record);
  });

  it('stops with SIGTERM, waits for a graceful exit, and leaves no process of the group behind', async () => {
    const driver = newDriver();
    const record = await startPool(driver, processPool('--term-delay 300 --worker'));
    const answers = await Promise.all(record.replicas.map((r) => answer(r.url)));

    const report = await driver.stop(record);

    expect(report.replicas).toEqual([
      expect.objectContaining({ replica: 0, graceful: true, alreadyGone: false, exitCode: 0 }),
      expect.objectContaining({ replica: 1, graceful: true, alreadyGone: false, exitCode: 0 }),
    ]);
    for (const a of answers) {
      await expectGone(a.pid);
      await expectGone(a.workerPid!);
    }
    for (const replica of record.replicas) {
      expect(readFileSync(replica.logFile, 'utf8')).toContain('SIGTERM received');
    }
    expect((await driver.status(record)).map((s) => s.state)).toEqual(['exited', 'exited']);

    const again = await driver.stop(record);
    expect(again.replicas.every((r) => r.alreadyGone)).toBe(true);
  });

  it('SIGKILLs a replica that ignores SIGTERM once the stop timeout has passed', async () => {
    const driver = newDriver();
    const record = await startPool(driver, processPool('--ignore-term', { replicas: 1 }));
    const { pid } = await answer(record.replicas[0]!.url);

    const report = await driver.stop(record, { timeoutMs: 1_000 });

    expect(report.replicas).toEqual([
      expect.objectContaining({ replica: 0, graceful: false, exitCode: null, signal: 'SIGKILL' }),
    ]);
    expect(report.replicas[0]!.ms).toBeGreaterThanOrEqual(1_000);
    await expectGone(pid);
    expect(readFileSync(record.replicas[0]!.logFile, 'utf8')).toContain('SIGTERM ignored');
  });

  it('reports a crashed replica once, with its exit code, and does not restart it', async () => {
    const driver = newDriver();
    const record = await startPool(
      driver,
      processPool('--exit-after 500 --exit-code 3', { replicas: 1 }),
    );
    const exits: ReplicaStatus[] = [];
    const unwatch = driver.watch(record, (status) => exits.push(status));
    try {
      await waitFor(() => exits.length > 0, { timeoutMs: 15_000, what: 'the crash report' });
      await sleep(1_000);

      expect(exits).toEqual([
        { replica: 0, url: record.replicas[0]!.url, state: 'exited', exitCode: 3, signal: null },
      ]);
      expect(await driver.status(record)).toEqual(exits);
      await expect(fetch(record.replicas[0]!.url)).rejects.toThrow();
      expect(await driver.stop(record)).toMatchObject({
        replicas: [{ alreadyGone: true, exitCode: 3 }],
      });
    } finally {
      unwatch();
    }
  });

  it('a new driver instance given only the stored record watches, reports on and stops the pool', async () => {
    const original = newDriver();
    const record = await startPool(original, processPool('--worker'));
    const answers = await Promise.all(record.replicas.map((r) => answer(r.url)));
    const originalExits: ReplicaStatus[] = [];
    const unwatchOriginal = original.watch(record, (s) => originalExits.push(s));
    // The host restarted: all it has is what it stored in Redis.
    const stored: PoolRecord = parsePoolRecord(JSON.parse(JSON.stringify(record)));
    const restarted = newDriver();
    const exits: ReplicaStatus[] = [];
    const unwatch = restarted.watch(stored, (s) => exits.push(s));
    try {
      expect((await restarted.status(stored)).map((s) => s.state)).toEqual(['running', 'running']);

      process.kill(-answers[1]!.pid, 'SIGKILL'); // replica 1 crashes
      await waitFor(() => exits.length > 0, { timeoutMs: 15_000, what: 'the crash report' });
      const report = await restarted.stop(stored);
      await sleep(500);

      expect(exits).toEqual([
        {
          replica: 1,
          url: record.replicas[1]!.url,
          state: 'exited',
          exitCode: null,
          signal: null,
          detail: ADOPTED_EXIT_DETAIL,
        },
      ]);
      expect(report.replicas).toEqual([
        expect.objectContaining({ replica: 0, graceful: true, alreadyGone: false }),
        expect.objectContaining({ replica: 1, alreadyGone: true }),
      ]);
      for (const a of answers) {
        await expectGone(a.pid);
        await expectGone(a.workerPid!);
      }
      // The instance that spawned them heard replica 1 crash, but not replica 0 being stopped.
      expect(originalExits.map((s) => [s.replica, s.signal])).toEqual([[1, 'SIGKILL']]);
    } finally {
      unwatch();
      unwatchOriginal();
    }
  });

  it('reports a crash of the server even while its workers linger, and stop() still ends them', async () => {
    const record = await startPool(
      newDriver(),
      processPool('--worker --exit-after 800 --exit-code 7', { replicas: 1 }),
    );
    const { workerPid } = await answer(record.replicas[0]!.url);
    const adopted = newDriver();
    const exits: ReplicaStatus[] = [];
    const unwatch = adopted.watch(record, (s) => exits.push(s));
    try {
      await waitFor(() => exits.length > 0, { timeoutMs: 15_000, what: 'the crash report' });

      expect(exits).toEqual([expect.objectContaining({ replica: 0, state: 'exited' })]);
      expect(isAlive(workerPid!)).toBe(true);

      const report = await adopted.stop(record);

      expect(report.replicas).toEqual([expect.objectContaining({ alreadyGone: false })]);
      await expectGone(workerPid!);
    } finally {
      unwatch();
    }
  });

  it('never signals a recycled pid: a record whose start time does not match is already gone', async () => {
    const stranger = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
      detached: true,
      stdio: 'ignore',
    });
    stranger.unref();
    const pid = stranger.pid!;
    strays.push(pid);
    const record: PoolRecord = {
      driver: 'process',
      service: 'chat',
      release: 'v1',
      startedAt: new Date().toISOString(),
      stopTimeoutMs: 1_000,
      id: 'recycled',
      dir: join(dataDir, 'chat', 'v1', 'recycled'),
      replicas: [
        {
          replica: 0,
          url: 'http://127.0.0.1:1',
          port: 1,
          pid,
          startTime: '1',
          startedAt: new Date().toISOString(),
          logFile: join(dataDir, 'chat', 'v1', 'recycled', 'replica-0.log'),
          argv: ['pool-fixture'],
        },
      ],
    };

    const report = await newDriver().stop(record);

    expect(report.replicas).toEqual([expect.objectContaining({ alreadyGone: true })]);
    expect(isAlive(pid)).toBe(true);
    expect((await newDriver().status(record))[0]!.state).toBe('exited');
  });

  it('rejects a command that does not exist with a clear message and starts nothing', async () => {
    const driver = newDriver();

    await expect(
      driver.start({
        service: 'chat',
        release: 'missing',
        pool: processPool('', { command: 'no-such-model-server --port {port}' }),
      }),
    ).rejects.toThrow('pool.command: command "no-such-model-server" not found (searched PATH=');
    const dirs = readdirSync(join(dataDir, 'chat', 'missing'));
    expect(dirs.flatMap((d) => readdirSync(join(dataDir, 'chat', 'missing', d)))).toEqual([]);
  });

  it('is all or nothing: replicas already started are stopped when a later one cannot start', async () => {
    installFixture('pool-fixture-only-0');
    const tag = `rollback-${Date.now()}`;
    const driver = newDriver();

    await expect(
      driver.start({
        service: 'chat',
        release: 'partial',
        pool: processPool('', {
          command: `pool-fixture-only-{replica} --port {port} ${tag}`,
        }),
      }),
    ).rejects.toThrow('pool.command: command "pool-fixture-only-1" not found');
    const [dir] = readdirSync(join(dataDir, 'chat', 'partial'));
    expect(existsSync(join(dataDir, 'chat', 'partial', dir!, 'replica-0.log'))).toBe(true);
    expect(processesWith(tag)).toEqual([]);
  });

  it('refuses {template} without a chat template file before starting anything', async () => {
    await expect(
      newDriver().start({
        service: 'chat',
        release: 'v2',
        pool: processPool('--chat-template {template}'),
        templateFile: null,
      }),
    ).rejects.toThrow(POOL_ERRORS.missingTemplate);
  });

  it('takes ports from portRange when one is given', async () => {
    const from = await allocatePort('127.0.0.1', new Set());
    const driver = newDriver({ portRange: { from, to: from + 20 } });
    const record = await startPool(driver, processPool(''));

    for (const replica of record.replicas) {
      expect(replica.port).toBeGreaterThanOrEqual(from);
      expect(replica.port).toBeLessThanOrEqual(from + 20);
      await answer(replica.url);
    }
    await driver.stop(record);
  });
});

/** Live processes whose command line contains `text`. */
function processesWith(text: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
        return cmdline.includes(text) && state !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}
