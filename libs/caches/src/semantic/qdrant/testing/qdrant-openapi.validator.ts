import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

/** The Qdrant REST contract the adapter is held to (a clean clone has no ../shared). */
export const QDRANT_OPENAPI_FILE = join(__dirname, '..', 'qdrant-openapi-1.19.0.json');
const SPEC_ID = 'qdrant-openapi.json';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Parameter {
  name: string;
  in: string;
  schema?: { type?: string };
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content?: { 'application/json'?: { schema?: Json } } };
  responses: Record<string, { content?: { 'application/json'?: { schema?: Json } } }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
}

export interface MatchedOperation {
  operationId: string;
  pathParams: Record<string, string>;
  /** Problems with the request: empty when it is one the 1.19 server accepts. */
  errors: string[];
  /** Checks a response body this operation may return with `status`. */
  validateResponse(status: number, body: unknown): string[];
}

/** OpenAPI 3.0 `nullable` becomes JSON Schema's null type, which ajv understands. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'nullable' && key !== 'example') out[key] = toJsonSchema(value);
  }
  if (node['nullable'] !== true) return out;
  if (Object.keys(out).length === 0 || (Object.keys(out).length === 1 && 'description' in out)) {
    return { type: 'null' };
  }
  if (typeof out['type'] === 'string' && !('enum' in out)) {
    return { ...out, type: [out['type'], 'null'] };
  }
  return { anyOf: [out, { type: 'null' }] };
}

/** Matches requests to the document's operations and validates them with ajv ($refs resolved). */
export class QdrantOpenApiValidator {
  private readonly spec: Spec;
  private readonly ajv: Ajv;
  private readonly routes: { regex: RegExp; names: string[]; path: string }[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(file = QDRANT_OPENAPI_FILE) {
    this.spec = JSON.parse(readFileSync(file, 'utf8')) as Spec;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addSchema({
      $id: SPEC_ID,
      components: { schemas: toJsonSchema(this.spec.components.schemas) },
    });
    // Literal segments before templated ones: /collections/aliases is not /collections/{name}.
    this.routes = Object.keys(this.spec.paths)
      .map((path) => ({
        path,
        names: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
        regex: new RegExp(`^${path.replace(/\{\w+\}/g, '([^/]+)')}$`),
      }))
      .sort((a, b) => a.names.length - b.names.length);
  }

  match(method: string, url: string, body: unknown): MatchedOperation | { errors: string[] } {
    const { pathname, searchParams } = new URL(url, 'http://qdrant');
    for (const route of this.routes) {
      const found = route.regex.exec(pathname);
      const operation = found ? this.spec.paths[route.path]?.[method.toLowerCase()] : undefined;
      if (!found || !operation) continue;
      const pathParams = Object.fromEntries(
        route.names.map((name, i) => [name, decodeURIComponent(found[i + 1]!)]),
      );
      const errors = [
        ...this.checkQuery(operation, searchParams),
        ...this.checkBody(operation, body),
      ].map((e) => `${method} ${route.path}: ${e}`);
      return {
        operationId: operation.operationId,
        pathParams,
        errors,
        validateResponse: (status, response) =>
          this.checkResponse(operation, status, response).map(
            (e) => `${method} ${route.path} -> ${status}: ${e}`,
          ),
      };
    }
    return { errors: [`${method} ${pathname}: no such operation in Qdrant 1.19`] };
  }

  private checkQuery(operation: Operation, params: URLSearchParams): string[] {
    const declared = new Map(
      (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p]),
    );
    const errors: string[] = [];
    for (const [name, value] of params) {
      const parameter = declared.get(name);
      if (!parameter) errors.push(`query parameter "${name}" is not declared`);
      else if (parameter.schema?.type === 'boolean' && !['true', 'false'].includes(value)) {
        errors.push(`query parameter "${name}" must be a boolean, got "${value}"`);
      } else if (parameter.schema?.type === 'integer' && !/^\d+$/.test(value)) {
        errors.push(`query parameter "${name}" must be an integer, got "${value}"`);
      }
    }
    return errors;
  }

  private checkBody(operation: Operation, body: unknown): string[] {
    const schema = operation.requestBody?.content?.['application/json']?.schema;
    if (schema === undefined) return body === undefined ? [] : ['takes no request body'];
    if (body === undefined) return ['request body missing'];
    return this.validate(`${operation.operationId}#request`, schema, body);
  }

  private checkResponse(operation: Operation, status: number, body: unknown): string[] {
    const response =
      operation.responses[String(status)] ??
      operation.responses[`${String(status).charAt(0)}XX`] ??
      operation.responses['default'];
    const schema = response?.content?.['application/json']?.schema;
    if (schema === undefined) return [`status ${status} is not documented`];
    return this.validate(`${operation.operationId}#${status}`, schema, body);
  }

  private validate(key: string, schema: Json, value: unknown): string[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      // Local $refs ("#/components/...") resolve against the document added above.
      const rooted = JSON.parse(
        JSON.stringify(toJsonSchema(schema)).replaceAll('"$ref":"#/', `"$ref":"${SPEC_ID}#/`),
      ) as object;
      validate = this.ajv.compile(rooted);
      this.compiled.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  }
}
