import type {
  ExitListener,
  PoolDriver,
  PoolSpec,
  ReplicaStatus,
  ReplicaStopResult,
  StopOptions,
  StopReport,
} from '../pool-driver.types';
import { poolFor, recordFor, SYSTEM_CLOCK, type Clock } from '../pool-driver.util';
import type { PoolRecord, SystemdPoolRecord } from '../pool-record.schema';
import {
  DEFAULT_HOST,
  DEFAULT_SYSTEMD_BASE_PORT,
  DEFAULT_WATCH_INTERVAL_MS,
  KILL_WAIT_MS,
  POOL_ERRORS,
  SYSTEMD_PORT_SCAN,
} from '../pools.constants';
import { createExecFileRunner, type CommandRunner } from './command-runner.util';
import {
  hasUnitEnded,
  isUnitRunning,
  parseSystemctlShow,
  SHOW_PROPERTIES,
  unitExit,
  unitStatus,
  type UnitState,
} from './systemctl-show.util';

export interface SystemdDriverOptions {
  runner?: CommandRunner;
  /** Replica i listens on basePort + i, which is also its unit instance (vllm@8001.service). */
  basePort?: number;
  host?: string;
  /** Talk to the user's service manager (systemctl --user). */
  userMode?: boolean;
  clock?: Clock;
  /** How often stop() and watch() ask systemd for the units' state. */
  pollIntervalMs?: number;
}

type SystemdReplica = SystemdPoolRecord['replicas'][number];

const TEMPLATE_SUFFIX = '@.service';

/** "vllm@.service" + 9001 -> "vllm@9001.service" */
export function unitInstance(templateUnit: string, port: number): string {
  return `${templateUnit.slice(0, -TEMPLATE_SUFFIX.length)}@${port}.service`;
}

/**
 * Replicas are instances of a template unit the operator installed (its ExecStart reads the
 * port from %i; TimeoutStopSec lives in the unit). Sketch: exercised through CommandRunner only.
 */
export class SystemdPoolDriver implements PoolDriver {
  readonly name = 'systemd' as const;
  private readonly runner: CommandRunner;
  private readonly clock: Clock;
  /** Units this instance is stopping, so watch() does not call their exit a crash. */
  private readonly stopping = new Set<string>();

  constructor(private readonly options: SystemdDriverOptions = {}) {
    this.runner = options.runner ?? createExecFileRunner();
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  async start(spec: PoolSpec): Promise<PoolRecord> {
    const pool = poolFor(spec.pool, 'systemd');
    const host = this.options.host ?? DEFAULT_HOST;
    const userMode = this.options.userMode ?? false;
    const ports = await this.freeInstancePorts(pool.unit, pool.replicas, userMode, host);
    const startedAt = new Date().toISOString();
    const record: SystemdPoolRecord = {
      driver: 'systemd',
      service: spec.service,
      release: spec.release,
      startedAt,
      stopTimeoutMs: pool.stopTimeout,
      userMode,
      replicas: ports.map((port, replica) => ({
        replica,
        url: `http://${host}:${port}`,
        unit: unitInstance(pool.unit, port),
        startedAt,
      })),
    };
    const units = record.replicas.map((r) => r.unit);
    for (const unit of units) this.stopping.delete(unit);
    const argv = [...this.systemctl(record), 'start', ...units];
    const result = await this.runner.run(argv);
    if (result.code !== 0) {
      // All or nothing: some instances may have started before one failed.
      await this.runner
        .run([...this.systemctl(record), 'stop', '--no-block', ...units])
        .catch(() => undefined);
      throw new Error(POOL_ERRORS.systemctlFailed(argv, result.code, result.stderr));
    }
    return record;
  }

  async status(record: PoolRecord): Promise<ReplicaStatus[]> {
    const pool = recordFor(record, 'systemd');
    const statuses: ReplicaStatus[] = [];
    for (const replica of pool.replicas) {
      statuses.push(unitStatus(replica.replica, replica.url, await this.show(pool, replica.unit)));
    }
    return statuses;
  }

  async stop(record: PoolRecord, options: StopOptions = {}): Promise<StopReport> {
    const pool = recordFor(record, 'systemd');
    const began = this.clock.now();
    const results = new Map<number, ReplicaStopResult>();
    const settle = (replica: SystemdReplica, state: UnitState, graceful: boolean, gone: boolean) =>
      results.set(replica.replica, {
        replica: replica.replica,
        url: replica.url,
        graceful,
        alreadyGone: gone,
        ...unitExit(state),
        ms: gone ? 0 : this.clock.now() - began,
      });

    let active: SystemdReplica[] = [];
    for (const replica of pool.replicas) {
      this.stopping.add(replica.unit);
      const state = await this.show(pool, replica.unit);
      if (hasUnitEnded(state)) settle(replica, state, true, true);
      else active.push(replica);
    }
    if (active.length > 0) {
      // --no-block: systemd runs the stops in parallel and this driver bounds the wait itself.
      await this.mustRun([
        ...this.systemctl(pool),
        'stop',
        '--no-block',
        ...active.map((r) => r.unit),
      ]);
      const timeoutMs = options.timeoutMs ?? pool.stopTimeoutMs;
      active = await this.waitEnded(pool, active, began + timeoutMs, (r, s) =>
        settle(r, s, true, false),
      );
    }
    if (active.length > 0) {
      await this.mustRun([
        ...this.systemctl(pool),
        'kill',
        '--signal=SIGKILL',
        ...active.map((r) => r.unit),
      ]);
      const deadline = this.clock.now() + KILL_WAIT_MS;
      active = await this.waitEnded(pool, active, deadline, (r, s) => settle(r, s, false, false));
      const stuck = active[0];
      if (stuck) throw new Error(POOL_ERRORS.systemdStuck(stuck.unit, KILL_WAIT_MS));
    }
    return {
      driver: 'systemd',
      service: pool.service,
      release: pool.release,
      replicas: pool.replicas.flatMap((r) => results.get(r.replica) ?? []),
      ms: this.clock.now() - began,
    };
  }

  watch(record: PoolRecord, onExit: ExitListener): () => void {
    const pool = recordFor(record, 'systemd');
    const pending = new Map(pool.replicas.map((r) => [r.replica, r]));
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void this.pollOnce(pool, pending, onExit)
        .catch(() => undefined) // systemd unreachable for a moment: ask again next tick
        .finally(() => {
          busy = false;
          if (pending.size === 0) clearInterval(timer);
        });
    }, this.options.pollIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS);
    timer.unref();
    return () => {
      pending.clear();
      clearInterval(timer);
    };
  }

  /**
   * Blue and green run side by side, so instance ports are the first ones at or above basePort
   * whose unit is not running.
   */
  private async freeInstancePorts(
    templateUnit: string,
    count: number,
    userMode: boolean,
    host: string,
  ): Promise<number[]> {
    const from = this.options.basePort ?? DEFAULT_SYSTEMD_BASE_PORT;
    const to = Math.min(from + SYSTEMD_PORT_SCAN - 1, 65_535);
    const ports: number[] = [];
    for (let port = from; port <= to && ports.length < count; port++) {
      if (!isUnitRunning(await this.show({ userMode }, unitInstance(templateUnit, port)))) {
        ports.push(port);
      }
    }
    if (ports.length < count) throw new Error(POOL_ERRORS.noFreePort(host, from, to));
    return ports;
  }

  private async pollOnce(
    pool: SystemdPoolRecord,
    pending: Map<number, SystemdReplica>,
    onExit: ExitListener,
  ): Promise<void> {
    for (const replica of [...pending.values()]) {
      const state = await this.show(pool, replica.unit);
      if (!hasUnitEnded(state) || !pending.delete(replica.replica)) continue;
      if (!this.stopping.has(replica.unit)) {
        onExit(unitStatus(replica.replica, replica.url, state));
      }
    }
  }

  private async waitEnded(
    pool: SystemdPoolRecord,
    replicas: SystemdReplica[],
    deadline: number,
    onEnded: (replica: SystemdReplica, state: UnitState) => void,
  ): Promise<SystemdReplica[]> {
    let remaining = replicas;
    for (;;) {
      const still: SystemdReplica[] = [];
      for (const replica of remaining) {
        const state = await this.show(pool, replica.unit);
        if (!hasUnitEnded(state)) still.push(replica);
        else onEnded(replica, state);
      }
      remaining = still;
      if (remaining.length === 0 || this.clock.now() >= deadline) return remaining;
      await this.clock.sleep(this.options.pollIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS);
    }
  }

  private async show(pool: { userMode: boolean }, unit: string): Promise<UnitState> {
    const result = await this.mustRun([
      ...this.systemctl(pool),
      'show',
      '-p',
      SHOW_PROPERTIES.join(','),
      unit,
    ]);
    return parseSystemctlShow(result.stdout);
  }

  private async mustRun(argv: string[]) {
    const result = await this.runner.run(argv);
    if (result.code !== 0)
      throw new Error(POOL_ERRORS.systemctlFailed(argv, result.code, result.stderr));
    return result;
  }

  private systemctl(pool: { userMode: boolean }): string[] {
    return pool.userMode ? ['systemctl', '--user'] : ['systemctl'];
  }
}
