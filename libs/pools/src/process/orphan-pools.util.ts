import { ProcessPoolDriver, listProcessPoolRecords } from './process-pool.driver';

/**
 * Stops every process-driver replica found under `dataDir` (from the pool.json files the driver
 * writes as it starts them), whoever started them. For tearing down a local stack or a test
 * run, and for a host that died between spawning replicas and recording them. Returns the
 * number of replicas that were still running.
 */
export async function stopProcessPools(
  dataDir: string,
  options: { timeoutMs?: number; filter?: (service: string, release: string) => boolean } = {},
): Promise<number> {
  const driver = new ProcessPoolDriver({ dataDir });
  const records = listProcessPoolRecords(dataDir).filter(
    (record) => options.filter?.(record.service, record.release) ?? true,
  );
  const reports = await Promise.all(
    records.map((record) =>
      driver.stop(record, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ),
  );
  return reports.flatMap((report) => report.replicas).filter((r) => !r.alreadyGone).length;
}
