import type { Pool } from '@greenlight/contracts';
import type { Clock } from '../pool-driver.util';
import type { ReplicaStatus } from '../pool-driver.types';
import type { PoolRecord } from '../pool-record.schema';
import { POOL_ERRORS } from '../pools.constants';
import type { CommandResult, CommandRunner } from './command-runner.util';
import { parseSystemctlShow } from './systemctl-show.util';
import { SystemdPoolDriver, unitInstance } from './systemd-pool.driver';

const SHOW = ['show', '-p', 'LoadState,ActiveState,SubState,ExecMainCode,ExecMainStatus'];

interface UnitSim {
  active: string;
  sub: string;
  code: number;
  status: number;
  /** show calls while deactivating before it ends; Infinity: ignores SIGTERM */
  stopPolls?: number;
}

/** A narrow stand-in for systemctl: keeps unit states and answers the driver's argv. */
class FakeSystemctl implements CommandRunner {
  readonly calls: string[][] = [];
  readonly units = new Map<string, UnitSim>();
  stopPolls = 1;
  failStart: string | undefined;

  async run(argv: readonly string[]): Promise<CommandResult> {
    this.calls.push([...argv]);
    const args = argv.slice(argv[1] === '--user' ? 2 : 1);
    const [verb, ...rest] = args;
    const targets = rest.filter((a) => a.endsWith('.service'));
    if (verb === 'show') return { code: 0, stdout: this.show(targets[0] ?? ''), stderr: '' };
    if (verb === 'start') {
      if (this.failStart) return { code: 5, stdout: '', stderr: this.failStart };
      for (const unit of targets)
        this.set(unit, { active: 'active', sub: 'running', code: 0, status: 0 });
    }
    if (verb === 'stop') {
      for (const unit of targets) {
        const current = this.units.get(unit);
        if (current?.active === 'active') {
          current.active = 'deactivating';
          current.sub = 'stop-sigterm';
          current.stopPolls = current.stopPolls ?? this.stopPolls;
        }
      }
    }
    if (verb === 'kill') {
      for (const unit of targets)
        this.set(unit, { active: 'failed', sub: 'failed', code: 2, status: 9 });
    }
    return { code: 0, stdout: '', stderr: '' };
  }

  set(unit: string, sim: UnitSim): void {
    this.units.set(unit, sim);
  }

  private show(unit: string): string {
    const sim = this.units.get(unit) ?? { active: 'inactive', sub: 'dead', code: 0, status: 0 };
    if (sim.active === 'deactivating' && sim.stopPolls !== undefined) {
      if (sim.stopPolls <= 0)
        Object.assign(sim, { active: 'inactive', sub: 'dead', code: 1, status: 0 });
      else sim.stopPolls -= 1;
    }
    return [
      'LoadState=loaded',
      `ActiveState=${sim.active}`,
      `SubState=${sim.sub}`,
      `ExecMainCode=${sim.code}`,
      `ExecMainStatus=${sim.status}`,
      '',
    ].join('\n');
  }
}

function fakeClock(): Clock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

const POOL: Pool = { driver: 'systemd', replicas: 2, unit: 'vllm@.service', stopTimeout: 120_000 };

function setup(options: { userMode?: boolean; basePort?: number } = {}) {
  const systemctl = new FakeSystemctl();
  const clock = fakeClock();
  const driver = new SystemdPoolDriver({
    runner: systemctl,
    clock,
    pollIntervalMs: 1_000,
    ...options,
  });
  return { systemctl, clock, driver };
}

const started = (systemctl: FakeSystemctl, ...units: string[]) => {
  for (const unit of units)
    systemctl.set(unit, { active: 'active', sub: 'running', code: 0, status: 0 });
};

describe('SystemdPoolDriver', () => {
  it('names an instance of the template unit after its port', () => {
    expect(unitInstance('vllm@.service', 9001)).toBe('vllm@9001.service');
  });

  it('starts one template instance per replica, on ports from basePort', async () => {
    const { systemctl, driver } = setup();

    const record = await driver.start({ service: 'chat', release: 'v2', pool: POOL });

    expect(systemctl.calls).toEqual([
      ['systemctl', ...SHOW, 'vllm@8001.service'],
      ['systemctl', ...SHOW, 'vllm@8002.service'],
      ['systemctl', 'start', 'vllm@8001.service', 'vllm@8002.service'],
    ]);
    expect(record.replicas.map((r) => r.url)).toEqual([
      'http://127.0.0.1:8001',
      'http://127.0.0.1:8002',
    ]);
  });

  it('gives green the next free instances while blue runs on the first ones', async () => {
    const { systemctl, driver } = setup({ basePort: 9001 });
    started(systemctl, 'vllm@9001.service', 'vllm@9002.service');

    const record = await driver.start({ service: 'chat', release: 'v3', pool: POOL });

    expect(systemctl.calls.at(-1)).toEqual([
      'systemctl',
      'start',
      'vllm@9003.service',
      'vllm@9004.service',
    ]);
    expect(record.replicas.map((r) => r.url)).toEqual([
      'http://127.0.0.1:9003',
      'http://127.0.0.1:9004',
    ]);
  });

  it('uses the user manager in user mode', async () => {
    const { systemctl, driver } = setup({ userMode: true });

    await driver.start({ service: 'chat', release: 'v2', pool: { ...POOL, replicas: 1 } });

    expect(systemctl.calls.at(-1)).toEqual(['systemctl', '--user', 'start', 'vllm@8001.service']);
  });

  it('stops what it asked for when systemctl start fails, and says why', async () => {
    const { systemctl, driver } = setup();
    systemctl.failStart = 'Job for vllm@8002.service failed because the control process exited.';

    await expect(driver.start({ service: 'chat', release: 'v2', pool: POOL })).rejects.toThrow(
      'systemctl start vllm@8001.service vllm@8002.service failed (exit 5): Job for vllm@8002.service failed',
    );
    expect(systemctl.calls.at(-1)).toEqual([
      'systemctl',
      'stop',
      '--no-block',
      'vllm@8001.service',
      'vllm@8002.service',
    ]);
  });

  it('stops without blocking, polls until the units are inactive, and reports their exit', async () => {
    const { systemctl, driver } = setup();
    const record = await driver.start({ service: 'chat', release: 'v2', pool: POOL });
    systemctl.calls.length = 0;

    const report = await driver.stop(record);

    expect(systemctl.calls.slice(0, 3)).toEqual([
      ['systemctl', ...SHOW, 'vllm@8001.service'],
      ['systemctl', ...SHOW, 'vllm@8002.service'],
      ['systemctl', 'stop', '--no-block', 'vllm@8001.service', 'vllm@8002.service'],
    ]);
    expect(systemctl.calls.slice(3).every((argv) => argv[1] === 'show')).toBe(true);
    expect(report.replicas).toEqual([
      expect.objectContaining({ replica: 0, graceful: true, alreadyGone: false, exitCode: 0 }),
      expect.objectContaining({ replica: 1, graceful: true, alreadyGone: false, exitCode: 0 }),
    ]);
  });

  it('sends SIGKILL through systemctl kill when a unit outlives the stop timeout', async () => {
    const { systemctl, clock, driver } = setup();
    const record = await driver.start({ service: 'chat', release: 'v2', pool: POOL });
    systemctl.units.get('vllm@8002.service')!.stopPolls = Infinity;
    systemctl.calls.length = 0;

    const report = await driver.stop(record, { timeoutMs: 5_000 });

    expect(systemctl.calls).toContainEqual([
      'systemctl',
      'kill',
      '--signal=SIGKILL',
      'vllm@8002.service',
    ]);
    expect(report.replicas).toEqual([
      expect.objectContaining({ replica: 0, graceful: true, exitCode: 0 }),
      expect.objectContaining({ replica: 1, graceful: false, exitCode: null, signal: 'SIGKILL' }),
    ]);
    expect(clock.t).toBeGreaterThanOrEqual(5_000);
  });

  it('is idempotent: stopping stopped units sends no stop', async () => {
    const { systemctl, driver } = setup();
    const record = await driver.start({ service: 'chat', release: 'v2', pool: POOL });
    await driver.stop(record);
    systemctl.calls.length = 0;

    const again = await driver.stop(record);

    expect(systemctl.calls.map((argv) => argv[1])).toEqual(['show', 'show']);
    expect(again.replicas.every((r) => r.alreadyGone && r.graceful)).toBe(true);
  });

  it('reports status from systemctl show', async () => {
    const { systemctl, driver } = setup();
    const record = await driver.start({ service: 'chat', release: 'v2', pool: POOL });
    systemctl.set('vllm@8002.service', { active: 'failed', sub: 'failed', code: 1, status: 3 });

    expect(await driver.status(record)).toEqual([
      {
        replica: 0,
        url: 'http://127.0.0.1:8001',
        state: 'running',
        detail: 'loaded/active/running',
      },
      {
        replica: 1,
        url: 'http://127.0.0.1:8002',
        state: 'exited',
        exitCode: 3,
        signal: null,
        detail: 'loaded/failed/failed',
      },
    ]);
  });

  it('reports a unit that dies once through watch, and not one it stopped', async () => {
    const systemctl = new FakeSystemctl();
    const driver = new SystemdPoolDriver({ runner: systemctl, pollIntervalMs: 5 });
    const record: PoolRecord = await driver.start({ service: 'chat', release: 'v2', pool: POOL });
    const exits: ReplicaStatus[] = [];
    const unwatch = driver.watch(record, (status) => exits.push(status));
    try {
      systemctl.set('vllm@8001.service', { active: 'failed', sub: 'failed', code: 2, status: 11 });
      await waitUntil(() => exits.length > 0);
      await driver.stop(record, { timeoutMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 50));

      expect(exits).toEqual([
        expect.objectContaining({ replica: 0, state: 'exited', signal: 'SIGSEGV', exitCode: null }),
      ]);
    } finally {
      unwatch();
    }
  });

  it('refuses a record of another driver', async () => {
    const { driver } = setup();
    const record: PoolRecord = {
      driver: 'static',
      service: 'chat',
      release: 'v1',
      startedAt: new Date().toISOString(),
      stopTimeoutMs: 0,
      replicas: [{ replica: 0, url: 'http://10.0.0.1:8000', startedAt: new Date().toISOString() }],
    };

    await expect(driver.stop(record)).rejects.toThrow(POOL_ERRORS.wrongDriver('systemd', 'static'));
  });
});

describe('parseSystemctlShow', () => {
  it('reads the properties and tolerates "=" inside values', () => {
    expect(
      parseSystemctlShow(
        'LoadState=loaded\nActiveState=inactive\nSubState=dead\nExecMainCode=1\nExecMainStatus=143\nX=a=b\n',
      ),
    ).toEqual({
      loadState: 'loaded',
      activeState: 'inactive',
      subState: 'dead',
      execMainCode: 1,
      execMainStatus: 143,
    });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
