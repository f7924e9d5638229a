import type { Pool } from '@greenlight/contracts';
import { parsePoolRecord } from '../pool-record.schema';
import { POOL_ERRORS, STATIC_STATUS_DETAIL, STATIC_STOP_DETAIL } from '../pools.constants';
import { StaticPoolDriver } from './static-pool.driver';

const POOL: Pool = {
  driver: 'static',
  endpoints: ['http://10.0.0.5:8000', 'http://10.0.0.6:8000'],
};

describe('StaticPoolDriver', () => {
  const driver = new StaticPoolDriver();

  it('adopts the manifest endpoints as replicas 0..n-1, in order', async () => {
    const record = await driver.start({ service: 'chat', release: 'v1', pool: POOL });

    expect(record).toMatchObject({
      driver: 'static',
      service: 'chat',
      release: 'v1',
      replicas: [
        { replica: 0, url: 'http://10.0.0.5:8000' },
        { replica: 1, url: 'http://10.0.0.6:8000' },
      ],
    });
    expect(parsePoolRecord(JSON.parse(JSON.stringify(record)))).toEqual(record);
  });

  it('leaves liveness to the prober: status is unknown', async () => {
    const record = await driver.start({ service: 'chat', release: 'v1', pool: POOL });

    expect(await driver.status(record)).toEqual([
      { replica: 0, url: 'http://10.0.0.5:8000', state: 'unknown', detail: STATIC_STATUS_DETAIL },
      { replica: 1, url: 'http://10.0.0.6:8000', state: 'unknown', detail: STATIC_STATUS_DETAIL },
    ]);
  });

  it('does not stop servers it does not own, and says so', async () => {
    const record = await driver.start({ service: 'chat', release: 'v1', pool: POOL });

    const report = await driver.stop(record);

    expect(report).toMatchObject({ driver: 'static', replicas: [], detail: STATIC_STOP_DETAIL });
  });

  it('refuses a pool of another driver', async () => {
    await expect(
      driver.start({
        service: 'chat',
        release: 'v1',
        pool: { driver: 'process', replicas: 1, command: 'sim --port {port}', stopTimeout: 1_000 },
      }),
    ).rejects.toThrow(POOL_ERRORS.wrongDriver('static', 'process'));
  });
});
