import { Pool } from 'undici';

/** One kind of request a benchmark sends, the same to every target. */
export interface RequestShape {
  path: string;
  body: string;
  headers?: Record<string, string>;
  /** SSE: read to the end and require the `[DONE]` terminator. */
  stream: boolean;
}

export interface LoadResult {
  requests: number;
  failures: number;
  seconds: number;
  rps: number;
  /** Milliseconds, unsorted. */
  latencies: number[];
}

function complete(shape: RequestShape, status: number, text: string): boolean {
  if (status !== 200) return false;
  return shape.stream ? text.trimEnd().endsWith('data: [DONE]') : text.length > 0;
}

async function send(pool: Pool, shape: RequestShape): Promise<boolean> {
  const response = await pool.request({
    method: 'POST',
    path: shape.path,
    headers: { 'content-type': 'application/json', ...shape.headers },
    body: shape.body,
  });
  return complete(shape, response.statusCode, await response.body.text());
}

/** `concurrency` clients, each sending its next request when the last one ended, for `durationMs`. */
export async function closedLoop(
  origin: string,
  shape: RequestShape,
  options: { concurrency: number; durationMs: number; maxRequests?: number },
): Promise<LoadResult> {
  const pool = new Pool(origin, { connections: options.concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const until = started + options.durationMs;
  const max = options.maxRequests ?? Number.POSITIVE_INFINITY;
  const client = async () => {
    while (performance.now() < until && latencies.length + failures < max) {
      const t0 = performance.now();
      const ok = await send(pool, shape).catch(() => false);
      if (ok) latencies.push(performance.now() - t0);
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return finish(pool, started, latencies, failures);
}

/** Requests at a fixed rate (not waiting for answers), so latency is measured without coordinated omission. */
export async function openLoop(
  origin: string,
  shape: RequestShape,
  options: { rate: number; durationMs: number },
): Promise<LoadResult> {
  const pool = new Pool(origin, { connections: 64, pipelining: 1 });
  const latencies: number[] = [];
  let failures = 0;
  const total = Math.round((options.rate * options.durationMs) / 1000);
  const interval = 1000 / options.rate;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      send(pool, shape)
        .catch(() => false)
        .then((ok) => {
          // From when it was due, not when it left: a late send counts as latency.
          if (ok) latencies.push(performance.now() - due);
          else failures++;
        }),
    );
  }
  await Promise.all(inFlight);
  return finish(pool, started, latencies, failures);
}

async function finish(
  pool: Pool,
  started: number,
  latencies: number[],
  failures: number,
): Promise<LoadResult> {
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return {
    requests: latencies.length,
    failures,
    seconds,
    rps: latencies.length / seconds,
    latencies,
  };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A plain-text table: a header row and aligned columns. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => r.map((cell, c) => String(cell).padEnd(widths[c]!)).join('  ')).join('\n');
}
