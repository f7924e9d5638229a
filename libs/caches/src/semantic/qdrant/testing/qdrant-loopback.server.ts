import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QdrantOpenApiValidator, type MatchedOperation } from './qdrant-openapi.validator';

type Payload = Record<string, unknown>;
interface Point {
  id: string | number;
  vector: number[];
  payload: Payload;
  version: number;
}
interface Condition {
  key?: string;
  match?: { value?: unknown };
  range?: { gt?: number; gte?: number; lt?: number; lte?: number };
}
interface Reply {
  status: number;
  result?: unknown;
  error?: string;
}

export interface LoggedRequest {
  method: string;
  url: string;
  operationId?: string;
  body: unknown;
}

/**
 * A loopback stand-in for Qdrant 1.19: every request must exist in the OpenAPI document and its
 * body must validate against the operation's schema, or it is answered 400 and recorded as a
 * violation. Valid requests get the minimal valid answer, kept in memory so tests can assert on
 * behaviour (cosine search with must-filters, counts, deletes, aliases); every answer is itself
 * validated against the document.
 */
export class QdrantLoopbackServer {
  readonly violations: string[] = [];
  readonly requests: LoggedRequest[] = [];
  private readonly collections = new Map<string, Map<string, Point>>();
  private readonly aliases = new Map<string, string>();
  private server?: Server;
  private version = 0;

  constructor(private readonly validator = new QdrantOpenApiValidator()) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Points a collection (or alias) holds, expired or not. */
  pointCount(name: string): number {
    return this.collection(name)?.size ?? 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    let raw = '';
    for await (const chunk of req) raw += (chunk as Buffer).toString();
    const body: unknown = raw.length > 0 ? JSON.parse(raw) : undefined;
    const matched = this.validator.match(method, url, body);
    const operationId = 'operationId' in matched ? matched.operationId : undefined;
    this.requests.push({ method, url, body, ...(operationId ? { operationId } : {}) });
    if (matched.errors.length > 0 || !('operationId' in matched)) {
      this.violations.push(...matched.errors);
      return send(res, 400, { status: { error: matched.errors.join('; ') }, time: 0 });
    }
    const reply = this.answer(matched, body as Record<string, unknown> | undefined);
    const json =
      reply.error === undefined
        ? { status: 'ok', time: 0, result: reply.result }
        : { status: { error: reply.error }, time: 0 };
    this.violations.push(...matched.validateResponse(reply.status, json));
    send(res, reply.status, json);
  }

  private answer(op: MatchedOperation, body: Record<string, unknown> = {}): Reply {
    const name = op.pathParams['collection_name'] ?? '';
    const points = this.collection(name);
    const missing: Reply = {
      status: 404,
      error: `Not found: Collection \`${name}\` doesn't exist!`,
    };
    switch (op.operationId) {
      case 'collection_exists':
        return { status: 200, result: { exists: points !== undefined } };
      case 'create_collection':
        if (points) return { status: 409, error: `Collection \`${name}\` already exists!` };
        this.collections.set(name, new Map());
        return { status: 200, result: true };
      case 'delete_collection': {
        const existed = this.collections.delete(name);
        for (const [alias, target] of this.aliases) if (target === name) this.aliases.delete(alias);
        return { status: 200, result: existed };
      }
      case 'get_collections_aliases':
        return {
          status: 200,
          result: {
            aliases: [...this.aliases].map(([alias_name, collection_name]) => ({
              alias_name,
              collection_name,
            })),
          },
        };
      case 'update_aliases':
        return this.updateAliases(body['actions'] as Record<string, Record<string, string>>[]);
      case 'create_field_index':
        return points ? { status: 200, result: this.updated() } : missing;
      case 'upsert_points':
        if (!points) return missing;
        for (const p of body['points'] as Omit<Point, 'version'>[]) {
          points.set(String(p.id), { ...p, version: ++this.version });
        }
        return { status: 200, result: this.updated() };
      case 'delete_points':
        if (!points) return missing;
        for (const [id, p] of points) {
          if (this.matches(p, body['filter'] as { must?: Condition[] })) points.delete(id);
        }
        return { status: 200, result: this.updated() };
      case 'count_points':
        if (!points) return missing;
        return {
          status: 200,
          result: {
            count: [...points.values()].filter((p) =>
              this.matches(p, body['filter'] as { must?: Condition[] }),
            ).length,
          },
        };
      case 'query_points':
        return points ? { status: 200, result: { points: this.query(points, body) } } : missing;
      default:
        this.violations.push(
          `${op.operationId}: valid, but this loopback server does not emulate it`,
        );
        return { status: 501, error: 'not emulated' };
    }
  }

  private query(points: Map<string, Point>, body: Record<string, unknown>): unknown[] {
    const vector = body['query'] as number[];
    const threshold = (body['score_threshold'] as number | undefined) ?? -Infinity;
    const fields = body['with_payload'] as string[] | boolean | undefined;
    return [...points.values()]
      .filter((p) => this.matches(p, body['filter'] as { must?: Condition[] }))
      .map((p) => ({ p, score: cosine(vector, p.vector) }))
      .filter(({ score }) => score >= threshold)
      .sort((a, b) => b.score - a.score)
      .slice(0, (body['limit'] as number | undefined) ?? 10)
      .map(({ p, score }) => ({
        id: p.id,
        version: p.version,
        score,
        payload: Array.isArray(fields)
          ? Object.fromEntries(fields.map((f) => [f, p.payload[f]]))
          : fields
            ? p.payload
            : null,
      }));
  }

  private updateAliases(actions: Record<string, Record<string, string>>[]): Reply {
    const next = new Map(this.aliases);
    for (const action of actions) {
      const { delete_alias: drop, create_alias: create } = action;
      if (drop && !next.delete(drop['alias_name']!)) {
        return { status: 404, error: `Not found: Alias ${drop['alias_name']} does not exists!` };
      }
      if (create) {
        if (!this.collections.has(create['collection_name']!)) {
          return { status: 404, error: `Not found: Collection ${create['collection_name']}` };
        }
        next.set(create['alias_name']!, create['collection_name']!);
      }
    }
    // Readers never see a half-applied switch.
    this.aliases.clear();
    for (const [alias, target] of next) this.aliases.set(alias, target);
    return { status: 200, result: true };
  }

  private matches(point: Point, filter: { must?: Condition[] } | undefined): boolean {
    return (filter?.must ?? []).every((c) => {
      const value = c.key === undefined ? undefined : point.payload[c.key];
      if (c.match) return value === c.match.value;
      if (c.range && typeof value === 'number') {
        const { gt, gte, lt, lte } = c.range;
        return (
          (gt === undefined || value > gt) &&
          (gte === undefined || value >= gte) &&
          (lt === undefined || value < lt) &&
          (lte === undefined || value <= lte)
        );
      }
      this.violations.push(`filter condition not emulated: ${JSON.stringify(c)}`);
      return false;
    });
  }

  private collection(name: string): Map<string, Point> | undefined {
    return this.collections.get(this.aliases.get(name) ?? name);
  }

  private updated(): { operation_id: number; status: string } {
    return { operation_id: ++this.version, status: 'completed' };
  }
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
