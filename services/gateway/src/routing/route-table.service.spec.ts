import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { loadConfig, type RoutingTable } from '@greenlight/contracts';
import { GatewayConfigSchema, type GatewayConfig } from '../config/gateway.config';
import { GatewayStats } from '../metrics/gateway-stats.service';
import { UpstreamRegistry } from '../upstream/upstream-registry.service';
import { choosePool } from './compiled-route.util';
import { RouteTableService } from './route-table.service';

function table(version: number, greenWeight: number, service = 'chat'): RoutingTable {
  return {
    service,
    version,
    affinity: 'session',
    pools: {
      blue: { release: 'v1', endpoints: ['http://127.0.0.1:9001'], weight: 100 - greenWeight },
      green: { release: 'v2', endpoints: ['http://127.0.0.1:9101'], weight: greenWeight },
    },
  };
}

describe('RouteTableService', () => {
  let dir: string;
  let config: GatewayConfig;
  const registries: UpstreamRegistry[] = [];

  function createService(): RouteTableService {
    const upstreams = new UpstreamRegistry(config);
    registries.push(upstreams);
    return new RouteTableService(config, upstreams, new GatewayStats());
  }

  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-routes-'));
    config = loadConfig(GatewayConfigSchema, { ROUTES_FILE: join(dir, 'routes.json') });
  });
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.onApplicationShutdown()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a newer version and ignores older ones (stale) and the same one again', () => {
    const routes = createService();

    expect(routes.apply(table(5, 25))).toBe('applied');
    expect(routes.apply(table(3, 75))).toBe('stale');
    expect(routes.apply(table(5, 75))).toBe('current');

    expect(routes.get('chat')?.table.pools.green?.weight).toBe(25);
    expect(routes.versions()).toEqual({ chat: 5 });
  });

  it('swaps the whole table: a request holding the old one still sees it unchanged', () => {
    const routes = createService();
    routes.apply(table(1, 0));
    const before = routes.get('chat')!;

    routes.apply(table(2, 100));
    const after = routes.get('chat')!;

    expect(choosePool(before, 0.5).colour).toBe('blue');
    expect(before.table.version).toBe(1);
    expect(choosePool(after, 0.5).colour).toBe('green');
    expect(Object.isFrozen(before.table.pools.blue)).toBe(true);
  });

  it('never chooses a pool of weight 0 and sends all to a lone pool', () => {
    const routes = createService();
    routes.apply(table(1, 0));
    routes.apply({
      ...table(1, 100, 'solo'),
      pools: { blue: null, green: table(1, 100).pools.green },
    });

    const points = Array.from({ length: 1_000 }, (_, i) => i / 1_000);
    expect(new Set(points.map((p) => choosePool(routes.get('chat')!, p).colour))).toEqual(
      new Set(['blue']),
    );
    expect(new Set(points.map((p) => choosePool(routes.get('solo')!, p).colour))).toEqual(
      new Set(['green']),
    );
  });

  it('serves the persisted tables after a restart, before anything else arrives', async () => {
    const first = createService();
    first.apply(table(7, 25));
    first.apply(table(2, 0, 'embed'));
    await first.persist();

    const restarted = createService();
    restarted.onModuleInit();

    expect(restarted.versions()).toEqual({ chat: 7, embed: 2 });
    expect(restarted.get('chat')?.table).toEqual(table(7, 25));
  });

  it('skips an invalid table in the file and keeps the valid ones', () => {
    const broken = { ...table(1, 30), pools: { ...table(1, 30).pools, green: null } };
    writeFileSync(config.ROUTES_FILE!, JSON.stringify({ tables: [broken, table(4, 0, 'embed')] }));

    const routes = createService();
    routes.onModuleInit();

    expect(routes.versions()).toEqual({ embed: 4 });
  });

  it('starts empty when the file is not JSON', () => {
    writeFileSync(config.ROUTES_FILE!, '{ not json');
    const routes = createService();
    routes.onModuleInit();
    expect(routes.services()).toEqual([]);
  });

  it('stops routing a removed service', () => {
    const routes = createService();
    routes.apply(table(1, 0));
    expect(routes.remove('chat')).toBe(true);
    expect(routes.get('chat')).toBeUndefined();
    expect(routes.remove('chat')).toBe(false);
  });
});
