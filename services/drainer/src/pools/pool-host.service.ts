import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EventBus } from '@greenlight/bus';
import { sha256Hex, type CommandMessage, type Envelope } from '@greenlight/contracts';
import {
  stopProcessPools,
  type PoolDriver,
  type PoolRecord,
  type ReplicaStatus,
} from '@greenlight/pools';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import { PoolRepository, type PoolEntry } from '@greenlight/store';
import type { DrainerConfig } from '../config/drainer.config';
import { DrainService } from '../drain/drain.service';
import { POOL_DRIVERS, POOL_HOST_ACTOR, POOL_HOST_ERRORS, poolDataDir } from './pools.constants';

type Drivers = Partial<Record<string, PoolDriver>>;
type Cause = Pick<Envelope, 'id' | 'deploymentId' | 'service' | 'seq'>;

/**
 * Starts and stops model-server pools through their drivers, and reports replicas that exit.
 * What it started is kept in Redis (PoolRepository), not in this process: replicas outlive a
 * restart of the host, and a restarted host watches and stops them from their records.
 */
@Injectable()
export class PoolHostService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(PoolHostService.name);
  private readonly watches = new Map<string, () => void>();

  constructor(
    @Inject(POOL_DRIVERS) private readonly drivers: Drivers,
    private readonly pools: PoolRepository<PoolRecord>,
    private readonly bus: EventBus,
    @Inject(SERVICE_CONFIG) private readonly config: DrainerConfig,
    /** Waits out a pool's in-flight requests before it is stopped (absent: stop at once). */
    @Optional() private readonly drains?: DrainService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const entry of await this.pools.live()) {
      if (entry.state === 'running' && entry.record) this.watch(entry, entry.record);
    }
  }

  onApplicationShutdown(): void {
    for (const unwatch of this.watches.values()) unwatch();
    this.watches.clear();
  }

  /** Starts the green pool and reports its endpoints (pool.provisioned) or why not (pool.failed). */
  async provision(command: CommandMessage<'pool.provision'>): Promise<void> {
    const { release, pool } = command.data;
    const driver = this.drivers[pool.driver];
    if (!driver) {
      return this.failed(
        command,
        'provision',
        POOL_HOST_ERRORS.driverDisabled(pool.driver, this.config.POOL_DRIVERS),
      );
    }
    const claim: PoolEntry<PoolRecord> = {
      service: command.service,
      release: release.version,
      deploymentId: command.deploymentId,
      commandId: command.id,
      commandSeq: command.seq,
      state: 'starting',
      record: null,
      updatedAt: new Date().toISOString(),
    };
    const holder = await this.pools.claim(claim);
    if (holder && holder.deploymentId !== command.deploymentId) {
      return this.failed(
        command,
        'provision',
        POOL_HOST_ERRORS.releaseTaken(command.service, release.version, holder.deploymentId),
      );
    }
    if (holder?.state === 'running' && holder.record) {
      // A redelivery after the pool started: report the same endpoints again (same event id).
      await this.provisioned(command, holder.record);
      return;
    }
    if (holder?.state === 'starting') {
      // This host died between spawning replicas and recording them: stop what it left behind.
      const left = await stopProcessPools(poolDataDir(this.config), {
        timeoutMs: 0,
        filter: (service, version) => service === command.service && version === release.version,
      });
      if (left > 0) this.log.warn(`stopped ${left} replica(s) left by an interrupted start`);
    }

    let record: PoolRecord;
    try {
      const templateFile = release.template
        ? await this.writeTemplate(release.template.content, release.template.sha256)
        : null;
      record = await driver.start({
        service: command.service,
        release: release.version,
        pool,
        templateFile,
      });
    } catch (error) {
      await this.pools.put({ ...claim, state: 'stopped' });
      return this.failed(command, 'provision', (error as Error).message);
    }
    const entry: PoolEntry<PoolRecord> = { ...claim, state: 'running', record };
    await this.pools.put(entry);
    this.watch(entry, record);
    this.log.log(
      `started ${record.replicas.length} replica(s) of ${command.service} ${release.version}: ${record.replicas.map((r) => r.url).join(', ')}`,
    );
    await this.provisioned(command, record);
  }

  /** Stops the pool of a release (graceful, then forced) and reports it gone. Idempotent. */
  async stop(command: CommandMessage<'pool.stop'>): Promise<void> {
    const entry = await this.pools.get(command.service, command.data.release);
    const { drain } = command.data;
    if (drain && this.drains && entry?.state !== 'stopped') {
      // Green after a rollback: streams it started finish before its replicas get SIGTERM.
      const outcome = await this.drains.waitIdle({
        service: command.service,
        release: command.data.release,
        endpoints: drain.endpoints,
        timeoutMs: drain.timeoutMs,
      });
      this.log.log(
        `${command.service} ${command.data.release}: ${outcome.outcome === 'cancelled' ? outcome.reason : `${outcome.outcome} before stopping (${outcome.elapsedMs} ms)`}`,
      );
    }
    if (entry?.record && entry.state !== 'stopped') {
      const driver = this.drivers[entry.record.driver];
      if (!driver)
        throw new Error(
          POOL_HOST_ERRORS.driverDisabled(entry.record.driver, this.config.POOL_DRIVERS),
        );
      this.unwatch(entry);
      await this.pools.put({ ...entry, state: 'stopping' });
      const report = await driver.stop(entry.record);
      await this.pools.put({ ...entry, state: 'stopped' });
      const forced = report.replicas.filter((r) => !r.graceful && !r.alreadyGone).length;
      this.log.log(
        `stopped ${command.service} ${command.data.release} in ${report.ms} ms (${forced} forced): ${command.data.reason}`,
      );
    }
    await this.bus.reply(
      command,
      'pool.decommissioned',
      { release: command.data.release },
      { actor: POOL_HOST_ACTOR },
    );
  }

  private provisioned(cause: Cause, record: PoolRecord): Promise<unknown> {
    return this.bus.reply(
      cause,
      'pool.provisioned',
      {
        release: record.release,
        endpoints: record.replicas.map((r) => ({ replica: r.replica, url: r.url })),
      },
      { actor: POOL_HOST_ACTOR },
    );
  }

  private async failed(
    cause: Cause & { data: { release: { version: string } } },
    stage: 'provision',
    reason: string,
  ): Promise<void> {
    this.log.warn(`pool of ${cause.service} ${cause.data.release.version} not started: ${reason}`);
    await this.bus.reply(
      cause,
      'pool.failed',
      { release: cause.data.release.version, reason, stage, replica: null },
      { actor: POOL_HOST_ACTOR },
    );
  }

  /** A replica that exits on its own is reported to the deployment that started it. */
  private watch(entry: PoolEntry<PoolRecord>, record: PoolRecord): void {
    const driver = this.drivers[record.driver];
    if (!driver) return;
    const key = `${entry.service}/${entry.release}`;
    this.watches.get(key)?.();
    const cause: Cause = {
      id: entry.commandId,
      deploymentId: entry.deploymentId,
      service: entry.service,
      seq: entry.commandSeq,
    };
    this.watches.set(
      key,
      driver.watch(record, (status) => void this.reportExit(cause, entry.release, status)),
    );
  }

  private unwatch(entry: PoolEntry<PoolRecord>): void {
    const key = `${entry.service}/${entry.release}`;
    this.watches.get(key)?.();
    this.watches.delete(key);
  }

  private async reportExit(cause: Cause, release: string, status: ReplicaStatus): Promise<void> {
    const how =
      status.signal != null
        ? `on signal ${status.signal}`
        : status.exitCode != null
          ? `with code ${status.exitCode}`
          : 'unexpectedly';
    const reason = POOL_HOST_ERRORS.replicaExited(status.replica, status.url, how);
    this.log.warn(`${cause.service} ${release}: ${reason}`);
    await this.bus
      .reply(
        cause,
        'pool.failed',
        { release, reason, stage: 'crash', replica: status.replica },
        { actor: POOL_HOST_ACTOR, key: `crash-${status.replica}` },
      )
      .catch((error: unknown) =>
        this.log.error(
          `crash of ${cause.service} ${release} not reported: ${(error as Error).message}`,
        ),
      );
  }

  /** Content-addressed: the same template is written once, and its digest is checked again here. */
  private async writeTemplate(content: string, sha256: string): Promise<string> {
    const actual = sha256Hex(content);
    if (actual !== sha256) throw new Error(POOL_HOST_ERRORS.templateDigest(sha256, actual));
    const dir = resolve(this.config.POOL_DATA_DIR, 'templates');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${sha256}.jinja`);
    await writeFile(file, content, { mode: 0o644 });
    return file;
  }
}
