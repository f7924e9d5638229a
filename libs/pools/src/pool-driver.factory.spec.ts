import { ValidationError } from '@greenlight/contracts';
import { createPoolDriver, createPoolDrivers } from './pool-driver.factory';
import { parsePoolRecord } from './pool-record.schema';
import { POOL_ERRORS } from './pools.constants';

describe('createPoolDriver', () => {
  it('builds the driver a manifest or record names', () => {
    expect(createPoolDriver('static').name).toBe('static');
    expect(createPoolDriver('process', { process: { dataDir: '/tmp/pools' } }).name).toBe(
      'process',
    );
    expect(createPoolDriver('systemd').name).toBe('systemd');
  });

  it('says which options a driver is missing', () => {
    expect(() => createPoolDriver('process')).toThrow(POOL_ERRORS.missingDeps('process'));
    expect(() => createPoolDriver('kubernetes')).toThrow(POOL_ERRORS.missingDeps('kubernetes'));
  });

  it('builds the drivers a host enables, and refuses one whose options are missing', () => {
    const drivers = createPoolDrivers(['process', 'static'], {
      process: { dataDir: '/tmp/pools' },
    });

    expect(Object.keys(drivers).sort()).toEqual(['process', 'static']);
    expect(drivers.process?.name).toBe('process');
    expect(() => createPoolDrivers(['static', 'kubernetes'])).toThrow(
      POOL_ERRORS.missingDeps('kubernetes'),
    );
  });
});

describe('parsePoolRecord', () => {
  it('names every bad field of a stored record', () => {
    const read = () =>
      parsePoolRecord({
        driver: 'process',
        service: 'chat',
        release: 'v2',
        startedAt: '2025-01-01T00:00:00.000Z',
        stopTimeoutMs: 1_000,
        id: 'x',
        dir: '/tmp/x',
        replicas: [{ replica: 0, url: 'http://127.0.0.1:9001', startedAt: 'yesterday', pid: -1 }],
      });

    expect(read).toThrow(ValidationError);
    expect(read).toThrow(/replicas\[0\]\.pid: /);
    expect(read).toThrow(/replicas\[0\]\.startedAt: /);
    expect(read).toThrow(/replicas\[0\]\.logFile: is required/);
  });
});
