import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { EventBus } from '@greenlight/bus';
import type { RoutingTable } from '@greenlight/contracts';
import type { TrafficShifterConfig } from '../config/traffic-shifter.config';
import type { DataPlaneDriver } from '../data-plane/data-plane-driver';
import { RoutesConflictError, type RoutesRepository, type StoredTable } from './routes.repository';
import { TrafficMetrics } from './traffic.metrics';
import { TrafficShifterService, type TrafficSetCommand } from './traffic-shifter.service';

const BLUE = { release: 'v1', endpoints: ['http://127.0.0.1:9001'] };
const GREEN = { release: 'v2', endpoints: ['http://127.0.0.1:9101'] };

const applied: RoutingTable = {
  service: 'chat',
  version: 4,
  affinity: 'session',
  pools: { blue: { ...BLUE, weight: 99 }, green: { ...GREEN, weight: 1 } },
};

function command(data: Partial<TrafficSetCommand['data']> = {}): TrafficSetCommand {
  return {
    id: '01JABCDEFGHJKMNPQRSTVWXYZ0-7.traffic.set',
    type: 'traffic.set',
    deploymentId: '01JABCDEFGHJKMNPQRSTVWXYZ0',
    service: 'chat',
    seq: 7,
    at: '2025-01-01T00:00:00.000Z',
    actor: 'system:orchestrator',
    causationId: null,
    data: { service: 'chat', version: 5, weights: { blue: 75, green: 25 }, ...data },
  };
}

describe('TrafficShifterService', () => {
  let routes: jest.Mocked<Pick<RoutesRepository, 'read' | 'write'>>;
  let bus: jest.Mocked<Pick<EventBus, 'reply'>>;
  let driver: jest.Mocked<DataPlaneDriver>;
  let shifter: TrafficShifterService;

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    // The routes bucket in memory, compare-and-set included.
    let entry: StoredTable = { table: applied, revision: 3 };
    routes = {
      read: jest.fn<Promise<StoredTable>, [string]>(async () => entry),
      write: jest.fn<Promise<number>, [RoutingTable, number]>(async (table, revision) => {
        if (revision !== entry.revision) throw new RoutesConflictError(table.service);
        entry = { table, revision: revision + 1 };
        return entry.revision;
      }),
    };
    bus = { reply: jest.fn().mockResolvedValue({}) };
    driver = {
      name: 'fake',
      check: jest.fn(),
      apply: jest.fn().mockResolvedValue(undefined),
      confirm: jest.fn().mockResolvedValue(undefined),
    };
    shifter = new TrafficShifterService(
      routes as unknown as RoutesRepository,
      bus as unknown as EventBus,
      new TrafficMetrics(new Registry()),
      [driver],
      { CONFIRM_TIMEOUT_MS: 10_000 } as TrafficShifterConfig,
    );
  });

  it('writes the new table on the revision it read, applies it, then says traffic.shifted', async () => {
    await shifter.shift(command());

    const table = {
      ...applied,
      version: 5,
      pools: { blue: { ...BLUE, weight: 75 }, green: { ...GREEN, weight: 25 } },
    };
    expect(routes.write).toHaveBeenCalledWith(table, 3);
    expect(driver.apply).toHaveBeenCalledWith(table, expect.any(Number));
    expect(driver.confirm).toHaveBeenCalledWith(table, expect.any(Number));
    expect(bus.reply).toHaveBeenCalledWith(
      command(),
      'traffic.shifted',
      {
        weights: { blue: 75, green: 25 },
        version: 5,
        requestedAt: '2025-01-01T00:00:00.000Z',
        appliedAt: expect.any(String),
      },
      { actor: 'system:traffic-shifter' },
    );
  });

  it('refuses a stale version with command.rejected, changing nothing', async () => {
    await shifter.shift(command({ version: 2 }));

    expect(routes.write).not.toHaveBeenCalled();
    expect(driver.apply).not.toHaveBeenCalled();
    expect(bus.reply).toHaveBeenCalledWith(
      command({ version: 2 }),
      'command.rejected',
      {
        command: 'traffic.set',
        reason: 'version 2 of chat is stale: version 4 is already applied (versions only grow)',
        issues: [],
        appliedVersion: 4,
      },
      { actor: 'system:traffic-shifter' },
    );
  });

  it('confirms a redelivered command again without writing', async () => {
    await shifter.shift(command({ version: 4, weights: { blue: 99, green: 1 } }));

    expect(routes.write).not.toHaveBeenCalled();
    expect(driver.apply).toHaveBeenCalledWith(applied, expect.any(Number));
    expect(driver.confirm).toHaveBeenCalledWith(applied, expect.any(Number));
    expect(bus.reply).toHaveBeenCalledWith(
      expect.anything(),
      'traffic.shifted',
      expect.objectContaining({ version: 4 }),
      expect.anything(),
    );
  });

  it('refuses a table a data plane cannot serve before writing it', async () => {
    driver.check.mockReturnValue('green pool of chat has 20 endpoints, but HAProxy has 16 slots');

    await shifter.shift(command());

    expect(routes.write).not.toHaveBeenCalled();
    expect(bus.reply).toHaveBeenCalledWith(
      expect.anything(),
      'command.rejected',
      expect.objectContaining({
        reason: 'green pool of chat has 20 endpoints, but HAProxy has 16 slots',
      }),
      expect.anything(),
    );
  });

  it('decides again on what a concurrent writer stored when its write wins', async () => {
    const write = routes.write.getMockImplementation()!;
    routes.write.mockImplementationOnce(async (_table, revision) => {
      await write({ ...applied, version: 6 }, revision); // another shifter got there first
      return write(_table, revision);
    });

    await shifter.shift(command());

    expect(routes.write).toHaveBeenCalledTimes(1);
    expect(bus.reply).toHaveBeenCalledWith(
      expect.anything(),
      'command.rejected',
      expect.objectContaining({ reason: expect.stringContaining('version 6 is already applied') }),
      expect.anything(),
    );
  });

  it('applies a rollback while an earlier change still waits for its confirmation', async () => {
    let confirmEarlier!: () => void;
    driver.confirm.mockImplementationOnce(
      () => new Promise<void>((resolve) => (confirmEarlier = resolve)),
    );
    const earlier = shifter.shift(command());

    await shifter.shift(command({ version: 6, weights: { blue: 100, green: 0 } }));

    expect(bus.reply).toHaveBeenCalledTimes(1);
    expect(bus.reply).toHaveBeenCalledWith(
      expect.anything(),
      'traffic.shifted',
      expect.objectContaining({ version: 6 }),
      expect.anything(),
    );
    confirmEarlier();
    await earlier;
    expect(bus.reply).toHaveBeenLastCalledWith(
      expect.anything(),
      'traffic.shifted',
      expect.objectContaining({ version: 5 }),
      expect.anything(),
    );
  });

  it('fails (so the bus retries) when a data plane does not confirm, saying nothing yet', async () => {
    driver.confirm.mockRejectedValue(new Error('gateway instance(s) gw-1 did not acknowledge it'));

    await expect(shifter.shift(command())).rejects.toThrow(
      'fake data plane: gateway instance(s) gw-1 did not acknowledge it',
    );
    expect(bus.reply).not.toHaveBeenCalled();
  });
});
