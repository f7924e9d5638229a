import { safeParse } from '@greenlight/contracts';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { quote } from 'shell-quote';
import { ulid } from 'ulid';
import type {
  ExitListener,
  PoolDriver,
  PoolSpec,
  ReplicaStatus,
  ReplicaStopResult,
  StopOptions,
  StopReport,
} from '../pool-driver.types';
import { poolFor, recordFor, sleep } from '../pool-driver.util';
import {
  ProcessPoolRecordSchema,
  type PoolRecord,
  type ProcessPoolRecord,
  type ProcessReplicaRecord,
} from '../pool-record.schema';
import {
  ADOPTED_EXIT_DETAIL,
  DEFAULT_HOST,
  DEFAULT_WATCH_INTERVAL_MS,
  KILL_WAIT_MS,
  POOL_ERRORS,
  POOL_RECORD_FILE,
  ROLLBACK_STOP_TIMEOUT_MS,
  STOP_POLL_INTERVAL_MS,
  STOPPED_DETAIL,
} from '../pools.constants';
import {
  CommandTemplateError,
  parseCommandTemplate,
  renderCommand,
  usedPlaceholders,
} from './command-template.util';
import { resolveExecutable } from './executable.util';
import { allocatePort, type PortRange } from './port-allocator.util';
import { isGroupAlive, isLeaderAlive, processStartTime, signalGroup } from './process-group.util';

export interface ProcessDriverOptions {
  /** Logs and stop markers go to <dataDir>/<service>/<release>/<pool id>/. */
  dataDir: string;
  /** Searched before PATH, e.g. the repository's bin/ so `greenlight-sim` resolves. */
  pathPrepend?: readonly string[];
  /** Base environment of every replica (default: this process's); pool.env is laid over it. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Interface the replicas are reached on; also the host part of their urls. */
  host?: string;
  /** Ports come from here instead of the OS's ephemeral range. */
  portRange?: PortRange;
  /** Working directory of the replicas; relative command paths resolve against it. */
  cwd?: string;
  /** How often watch() checks replicas adopted from a record. */
  watchIntervalMs?: number;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A replica this driver instance spawned, so its exit is heard rather than polled. */
interface OwnChild {
  child: ChildProcess;
  exit?: Exit;
  exited: Promise<Exit>;
}

const keyOf = (replica: ProcessReplicaRecord): string => `${replica.pid}:${replica.startTime}`;
const stopMarker = (pool: ProcessPoolRecord, replica: ProcessReplicaRecord): string =>
  join(pool.dir, `replica-${replica.replica}.stopping`);

/**
 * Runs each replica as a detached process group with its output in a log file, so replicas
 * outlive a crash of the host and a restarted host can stop them from the stored record.
 */
export class ProcessPoolDriver implements PoolDriver {
  readonly name = 'process' as const;
  private readonly children = new Map<string, OwnChild>();
  /** Replicas this instance is stopping (a marker file tells other instances). */
  private readonly stopping = new Set<string>();
  /** Ports handed out and not yet stopped: a cold-starting replica does not listen yet. */
  private readonly ports = new Set<number>();

  constructor(private readonly options: ProcessDriverOptions) {}

  async start(spec: PoolSpec): Promise<PoolRecord> {
    const pool = poolFor(spec.pool, 'process');
    const env = this.replicaEnv(pool.env);
    const tokens = parseCommandTemplate(pool.command, env);
    const templateFile = spec.templateFile ?? null;
    if (usedPlaceholders(tokens).has('template')) {
      if (!templateFile) throw new CommandTemplateError(POOL_ERRORS.missingTemplate);
      if (!existsSync(templateFile)) {
        throw new CommandTemplateError(POOL_ERRORS.templateFileMissing(templateFile));
      }
    }

    const id = ulid();
    const dir = join(this.options.dataDir, spec.service, spec.release, id);
    mkdirSync(dir, { recursive: true });
    const record: ProcessPoolRecord = {
      driver: 'process',
      service: spec.service,
      release: spec.release,
      startedAt: new Date().toISOString(),
      stopTimeoutMs: pool.stopTimeout,
      id,
      dir,
      replicas: [],
    };
    try {
      for (let replica = 0; replica < pool.replicas; replica++) {
        const port = await allocatePort(this.host, this.ports, this.options.portRange);
        this.ports.add(port);
        try {
          const argv = renderCommand(tokens, {
            port,
            model: spec.service,
            version: spec.release,
            replica,
            template: templateFile,
          });
          record.replicas.push(await this.spawnReplica(record, replica, port, argv, env));
          writeRecordFile(record);
        } catch (error) {
          this.ports.delete(port);
          throw error;
        }
      }
    } catch (error) {
      // All or nothing: the host never learns of a half-started pool, so nothing may outlive it.
      await this.rollback(record, pool.stopTimeout, error);
      throw error;
    }
    return record;
  }

  async status(record: PoolRecord): Promise<ReplicaStatus[]> {
    const pool = recordFor(record, 'process');
    return pool.replicas.map((replica) => {
      const own = this.children.get(keyOf(replica));
      if (own?.exit) return exitedStatus(replica, own.exit);
      if (isLeaderAlive(replica.pid, replica.startTime)) {
        return { replica: replica.replica, url: replica.url, state: 'running' };
      }
      return exitedStatus(replica, undefined, this.isStopping(pool, replica));
    });
  }

  async stop(record: PoolRecord, options: StopOptions = {}): Promise<StopReport> {
    const pool = recordFor(record, 'process');
    const timeoutMs = options.timeoutMs ?? pool.stopTimeoutMs;
    const began = Date.now();
    const replicas = await Promise.all(
      pool.replicas.map((replica) => this.stopReplica(pool, replica, began + timeoutMs, began)),
    );
    return {
      driver: 'process',
      service: pool.service,
      release: pool.release,
      replicas,
      ms: Date.now() - began,
    };
  }

  watch(record: PoolRecord, onExit: ExitListener): () => void {
    const pool = recordFor(record, 'process');
    const pending = new Set(pool.replicas.map((r) => r.replica));
    const cleanups: (() => void)[] = [];
    const polled: ProcessReplicaRecord[] = [];
    let active = true;

    const report = (replica: ProcessReplicaRecord, exit: Exit | undefined): void => {
      if (!active || !pending.delete(replica.replica)) return;
      if (this.isStopping(pool, replica)) return;
      onExit(exitedStatus(replica, exit));
    };

    for (const replica of pool.replicas) {
      const own = this.children.get(keyOf(replica));
      if (!own) {
        polled.push(replica);
      } else if (own.exit) {
        const exit = own.exit;
        const timer = setImmediate(() => report(replica, exit));
        cleanups.push(() => clearImmediate(timer));
      } else {
        const listener = (code: number | null, signal: NodeJS.Signals | null): void =>
          report(replica, { code, signal });
        own.child.once('exit', listener);
        cleanups.push(() => own.child.off('exit', listener));
      }
    }

    if (polled.length > 0) {
      const timer = setInterval(() => {
        for (const replica of polled) {
          if (pending.has(replica.replica) && !isLeaderAlive(replica.pid, replica.startTime)) {
            report(replica, undefined);
          }
        }
        if (!polled.some((r) => pending.has(r.replica))) clearInterval(timer);
      }, this.options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS);
      timer.unref();
      cleanups.push(() => clearInterval(timer));
    }

    return () => {
      active = false;
      for (const cleanup of cleanups) cleanup();
    };
  }

  private get host(): string {
    return this.options.host ?? DEFAULT_HOST;
  }

  private replicaEnv(poolEnv: Record<string, string> | undefined): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries({
      ...(this.options.env ?? process.env),
      ...poolEnv,
    })) {
      if (value !== undefined) env[name] = value;
    }
    env['PATH'] = [...(this.options.pathPrepend ?? []), env['PATH']]
      .filter(Boolean)
      .join(delimiter);
    return env;
  }

  private async spawnReplica(
    pool: ProcessPoolRecord,
    replica: number,
    port: number,
    argv: string[],
    env: Record<string, string>,
  ): Promise<ProcessReplicaRecord> {
    const cwd = this.options.cwd ?? process.cwd();
    const [command = '', ...args] = argv;
    const executable = resolveExecutable(command, env['PATH'] ?? '', cwd);
    const logFile = join(pool.dir, `replica-${replica}.log`);
    const startedAt = new Date().toISOString();
    const log = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      writeSync(
        log,
        `--- greenlight: replica ${replica} starting at ${startedAt}: ${quote(argv)}\n`,
      );
      // Own process group (detached): a signal to the host does not reach it, and stop() can
      // signal the replica together with any workers it forks.
      child = spawn(executable, args, {
        argv0: command,
        cwd,
        env,
        detached: true,
        stdio: ['ignore', log, log],
      });
      const own = trackExit(child);
      await spawned(child, replica, command);
      child.unref();
      const pid = child.pid ?? 0;
      const record: ProcessReplicaRecord = {
        replica,
        url: `http://${this.host}:${port}`,
        port,
        pid,
        startTime: processStartTime(pid),
        startedAt,
        logFile,
        argv,
      };
      this.children.set(keyOf(record), own);
      return record;
    } finally {
      closeSync(log);
    }
  }

  private async rollback(pool: ProcessPoolRecord, stopTimeoutMs: number, cause: unknown) {
    if (pool.replicas.length === 0) return;
    try {
      await this.stop(pool, { timeoutMs: Math.min(stopTimeoutMs, ROLLBACK_STOP_TIMEOUT_MS) });
    } catch (error) {
      if (cause instanceof Error) {
        cause.message += ` (stopping the replicas already started failed too: ${(error as Error).message})`;
      }
    }
  }

  private async stopReplica(
    pool: ProcessPoolRecord,
    replica: ProcessReplicaRecord,
    deadline: number,
    began: number,
  ): Promise<ReplicaStopResult> {
    const key = keyOf(replica);
    this.markStopping(pool, replica);
    const own = this.children.get(key);
    const result = (graceful: boolean, alreadyGone: boolean, exit: Exit | undefined) => ({
      replica: replica.replica,
      url: replica.url,
      graceful,
      alreadyGone,
      ...(exit ? { exitCode: exit.code, signal: exit.signal } : {}),
      ms: alreadyGone ? 0 : Date.now() - began,
    });
    try {
      if (!signalGroup(replica.pid, replica.startTime, 'SIGTERM')) {
        return result(true, true, own?.exit);
      }
      const graceful = await waitGone(replica, deadline);
      if (!graceful) {
        signalGroup(replica.pid, replica.startTime, 'SIGKILL');
        if (!(await waitGone(replica, Date.now() + KILL_WAIT_MS))) {
          throw new Error(POOL_ERRORS.stuckAfterKill(replica.replica, replica.pid, KILL_WAIT_MS));
        }
      }
      // The group is gone; the leader's exit status arrives with Node's SIGCHLD handling.
      const exit = own
        ? await Promise.race([own.exited, sleep(1_000).then(() => own.exit)])
        : undefined;
      return result(graceful, false, exit);
    } finally {
      this.ports.delete(replica.port);
      this.children.delete(key);
    }
  }

  private markStopping(pool: ProcessPoolRecord, replica: ProcessReplicaRecord): void {
    this.stopping.add(keyOf(replica));
    try {
      mkdirSync(pool.dir, { recursive: true });
      writeFileSync(stopMarker(pool, replica), `${new Date().toISOString()}\n`);
    } catch {
      // Best effort: this instance still knows from `stopping`.
    }
  }

  private isStopping(pool: ProcessPoolRecord, replica: ProcessReplicaRecord): boolean {
    return this.stopping.has(keyOf(replica)) || existsSync(stopMarker(pool, replica));
  }
}

/**
 * A copy of the record next to the logs, written as each replica starts: if the host dies
 * before it has stored the record, a restarted host can still find and stop what it started.
 */
function writeRecordFile(record: ProcessPoolRecord): void {
  const file = join(record.dir, POOL_RECORD_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Every pool record under dataDir (<service>/<release>/<id>/pool.json), stopped ones included. */
export function listProcessPoolRecords(dataDir: string): ProcessPoolRecord[] {
  const records: ProcessPoolRecord[] = [];
  for (const file of globRecordFiles(dataDir)) {
    try {
      const parsed = safeParse(ProcessPoolRecordSchema, JSON.parse(readFileSync(file, 'utf8')));
      if (parsed.ok) records.push(parsed.value);
    } catch {
      // unreadable or half-written: not a record
    }
  }
  return records;
}

function globRecordFiles(dataDir: string): string[] {
  const dirs = (path: string): string[] => {
    try {
      return readdirSync(path, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(path, entry.name));
    } catch {
      return [];
    }
  };
  return dirs(dataDir)
    .flatMap(dirs)
    .flatMap(dirs)
    .map((dir) => join(dir, POOL_RECORD_FILE))
    .filter((file) => existsSync(file));
}

function trackExit(child: ChildProcess): OwnChild {
  const own: OwnChild = {
    child,
    exited: new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        own.exit = { code, signal };
        resolve(own.exit);
      });
    }),
  };
  return own;
}

/** Resolves once the OS has started the process; rejects with a clear message if it could not. */
function spawned(child: ChildProcess, replica: number, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      child.off('spawn', onSpawn);
      reject(new Error(POOL_ERRORS.spawnFailed(replica, command, error.message)));
    };
    const onSpawn = (): void => {
      child.off('error', onError);
      resolve();
    };
    child.once('error', onError);
    child.once('spawn', onSpawn);
  });
}

async function waitGone(replica: ProcessReplicaRecord, deadline: number): Promise<boolean> {
  for (;;) {
    if (!isGroupAlive(replica.pid, replica.startTime)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(STOP_POLL_INTERVAL_MS);
  }
}

function exitedStatus(
  replica: ProcessReplicaRecord,
  exit: Exit | undefined,
  stopped = false,
): ReplicaStatus {
  const detail = stopped ? STOPPED_DETAIL : exit ? undefined : ADOPTED_EXIT_DETAIL;
  return {
    replica: replica.replica,
    url: replica.url,
    state: 'exited',
    exitCode: exit?.code ?? null,
    signal: exit?.signal ?? null,
    ...(detail ? { detail } : {}),
  };
}
