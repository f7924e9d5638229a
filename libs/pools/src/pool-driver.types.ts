import type { Pool, PoolDriver as PoolDriverName } from '@greenlight/contracts';
import type { PoolRecord } from './pool-record.schema';

export type { PoolDriverName };

/** What to start. */
export interface PoolSpec {
  /** Model service name (a subject-safe token); {model} in a command. */
  service: string;
  /** Release version; {version} in a command. */
  release: string;
  /** The parsed manifest pool (durations in ms). */
  pool: Pool;
  /** Absolute path of the release's chat template; {template} in a command. */
  templateFile?: string | null;
}

export type ReplicaState = 'running' | 'exited' | 'unknown';

export interface ReplicaStatus {
  replica: number;
  url: string;
  state: ReplicaState;
  /** Set when the exit was observed: a number, or null when a signal ended it or it is unknown. */
  exitCode?: number | null;
  signal?: string | null;
  detail?: string;
}

export interface ReplicaStopResult {
  replica: number;
  url: string;
  /** Exited within the stop timeout, without being forced. */
  graceful: boolean;
  /** Was not running when stop() began (crashed earlier, or a repeated stop). */
  alreadyGone: boolean;
  exitCode?: number | null;
  signal?: string | null;
  /** Time from stop() to this replica being gone. */
  ms: number;
}

export interface StopReport {
  driver: PoolDriverName;
  service: string;
  release: string;
  replicas: ReplicaStopResult[];
  ms: number;
  /** Why nothing was stopped, for pools greenlight does not own. */
  detail?: string;
}

export interface StopOptions {
  /** Overrides the record's stopTimeoutMs. */
  timeoutMs?: number;
}

export type ExitListener = (status: ReplicaStatus) => void;

export interface PoolDriver {
  readonly name: PoolDriverName;
  /** Starts every replica or none; resolves with the endpoints at once (readiness is probed elsewhere). */
  start(spec: PoolSpec): Promise<PoolRecord>;
  status(record: PoolRecord): Promise<ReplicaStatus[]>;
  /** Graceful, then forced after the timeout; resolves when every replica is gone. Idempotent. */
  stop(record: PoolRecord, options?: StopOptions): Promise<StopReport>;
  /**
   * Reports, once per replica, a replica that exits while the pool should be running (a crash).
   * Nothing is restarted; exits caused by stop() are not reported. Returns the unsubscribe function.
   */
  watch(record: PoolRecord, onExit: ExitListener): () => void;
}
