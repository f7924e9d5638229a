import { mkdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RoutingTable } from '@greenlight/contracts';

/** What the gateway keeps on disk: the tables it applied, to serve at once after a restart. */
export interface RoutesFileContent {
  savedAt: string;
  tables: RoutingTable[];
}

export const ROUTES_FILE_ERRORS = {
  unreadable: (path: string, reason: string) => `routes file ${path} is unreadable: ${reason}`,
  notTables: (path: string) => `routes file ${path} has no "tables" list`,
} as const;

/** The stored tables as raw values (validated by the caller), [] when there is no file yet. */
export function readRoutesFile(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(ROUTES_FILE_ERRORS.unreadable(path, (error as Error).message));
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (error) {
    throw new Error(ROUTES_FILE_ERRORS.unreadable(path, (error as Error).message));
  }
  const tables = (content as { tables?: unknown } | null)?.tables;
  if (!Array.isArray(tables)) throw new Error(ROUTES_FILE_ERRORS.notTables(path));
  return tables as unknown[];
}

/**
 * Writes the tables atomically (temp file + rename: a crash leaves the old file or the new one,
 * never half of one), one write at a time in call order, so the last call's tables win.
 */
export class RoutesFileWriter {
  private queue: Promise<void> = Promise.resolve();
  private readonly tmpPath: string;

  constructor(readonly path: string) {
    this.tmpPath = `${path}.${process.pid}.tmp`;
    mkdirSync(dirname(path), { recursive: true });
  }

  save(tables: readonly RoutingTable[]): Promise<void> {
    const content: RoutesFileContent = { savedAt: new Date().toISOString(), tables: [...tables] };
    const text = `${JSON.stringify(content, null, 2)}\n`;
    const write = this.queue.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(this.tmpPath, text);
      await rename(this.tmpPath, this.path);
    });
    this.queue = write.catch(() => undefined);
    return write;
  }
}
