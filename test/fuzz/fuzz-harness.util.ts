import { Pool } from 'undici';

/** What one case did, judged by what a user would see. */
export type Verdict =
  | { kind: 'rejected' } // a 4xx / rejection naming what is wrong
  | { kind: 'absorbed' } // a replayed event the orchestrator ignored
  | { kind: 'unclear'; detail: string } // refused, but the error does not say what is wrong
  | { kind: 'accepted'; detail: string } // bad input let through
  | { kind: 'crash'; detail: string }; // 5xx, connection error, no answer

/** Counts per category, with the first few examples of anything that went wrong. */
export class Tally {
  private readonly rows = new Map<string, Record<Verdict['kind'], number>>();
  readonly problems: string[] = [];

  record(category: string, label: string, verdict: Verdict): void {
    const row = this.rows.get(category) ?? {
      rejected: 0,
      absorbed: 0,
      unclear: 0,
      accepted: 0,
      crash: 0,
    };
    row[verdict.kind] += 1;
    this.rows.set(category, row);
    const shown = this.problems.filter((p) => p.startsWith(`${category} `)).length;
    if ('detail' in verdict && shown < 12) {
      this.problems.push(`${category} [${verdict.kind}] ${label.slice(0, 160)}: ${verdict.detail}`);
    }
  }

  total(kind?: Verdict['kind']): number {
    let n = 0;
    for (const row of this.rows.values()) {
      n += kind ? row[kind] : Object.values(row).reduce((a, b) => a + b, 0);
    }
    return n;
  }

  /** Cases of the category that were not refused clearly (or absorbed). */
  bad(category: string): number {
    const row = this.rows.get(category);
    return row ? row.unclear + row.accepted + row.crash : 0;
  }

  count(category: string): number {
    const row = this.rows.get(category);
    return row ? Object.values(row).reduce((a, b) => a + b, 0) : 0;
  }

  lines(stateChanges: number): string[] {
    const out = [...this.rows.entries()].map(
      ([category, r]) =>
        `  ${category}: ${Object.values(r).reduce((a, b) => a + b, 0)} cases, ${r.rejected} rejected with a clear error` +
        (r.absorbed ? `, ${r.absorbed} absorbed without effect` : '') +
        (r.unclear ? `, ${r.unclear} UNCLEAR` : '') +
        (r.accepted ? `, ${r.accepted} ACCEPTED` : '') +
        `, ${r.crash} crashes`,
    );
    return [
      `fuzz: ${this.total()} cases, ${this.total('rejected') + this.total('absorbed')} rejected with a clear error` +
        ` (${this.total('absorbed')} of them replayed events absorbed without effect),` +
        ` ${this.total('crash')} crashes, ${stateChanges} state changes`,
      ...out,
    ];
  }
}

export interface HttpAnswer {
  status: number;
  text: string;
  json: unknown;
}

/** Keep-alive connections to one service, used by every case. */
export function httpClient(baseUrl: string, connections = 8) {
  const pool = new Pool(baseUrl, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  async function request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<HttpAnswer> {
    const response = await pool.request({
      method,
      path,
      headers,
      ...(body === undefined ? {} : { body }),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await response.body.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: response.statusCode, text, json };
  }
  return { request, close: () => pool.close() };
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

export interface IssueBody {
  message?: unknown;
  issues?: { path?: unknown; message?: unknown }[];
}

/** True when an issue names `path` itself or something inside it. */
export function namesPath(issues: IssueBody['issues'], path: string): boolean {
  return (issues ?? []).some(
    (issue) =>
      typeof issue.path === 'string' &&
      typeof issue.message === 'string' &&
      issue.message.length > 0 &&
      (issue.path === path ||
        issue.path.startsWith(`${path}.`) ||
        issue.path.startsWith(`${path}[`)),
  );
}

/** A non-empty message (string, or Nest's list of strings). */
export function hasMessage(body: unknown): boolean {
  const message = (body as IssueBody | null)?.message;
  return (
    (typeof message === 'string' && message.trim().length > 0) ||
    (Array.isArray(message) && message.length > 0)
  );
}

export function describeAnswer(answer: HttpAnswer): string {
  return `${answer.status} ${answer.text.slice(0, 200)}`;
}
