import { createServer } from 'node:net';
import { POOL_ERRORS } from '../pools.constants';

export interface PortRange {
  from: number;
  to: number;
}

const EPHEMERAL_ATTEMPTS = 20;

/** Binds host:port and closes again; resolves with the port actually bound (port 0 = OS pick). */
function tryBind(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = address && typeof address === 'object' ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A port free on `host` right now and not in `taken` (ports handed to replicas that may still be
 * in their cold start, not yet listening). From `range` when given, else the OS's ephemeral range.
 */
export async function allocatePort(
  host: string,
  taken: ReadonlySet<number>,
  range?: PortRange,
): Promise<number> {
  if (!range) {
    for (let attempt = 0; attempt < EPHEMERAL_ATTEMPTS; attempt++) {
      const port = await tryBind(host, 0);
      if (port !== undefined && !taken.has(port)) return port;
    }
    throw new Error(POOL_ERRORS.noEphemeralPort(host));
  }
  const { from, to } = range;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 65_535 || from > to) {
    throw new Error(POOL_ERRORS.badPortRange(from, to));
  }
  for (let port = from; port <= to; port++) {
    if (!taken.has(port) && (await tryBind(host, port)) !== undefined) return port;
  }
  throw new Error(POOL_ERRORS.noFreePort(host, from, to));
}
