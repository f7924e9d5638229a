import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import type { Embedder } from '../embedding/embedder.types';
import { normaliseText } from '../embedding/vector.util';
import { DEFAULT_QDRANT_TIMEOUT_MS, QDRANT_PURGE_INTERVAL_MS } from '../semantic-cache.constants';
import type {
  CachedAnswer,
  SemanticCache,
  SemanticHit,
  SemanticQuery,
} from '../semantic-cache.types';
import { CachedAnswerSchema, assertScope, assertTtl } from '../semantic-query.util';
import { PAYLOAD_FIELDS, collectionName, liveAlias, pointId } from './qdrant-semantic.names';

export interface QdrantSemanticCacheOptions {
  url: string;
  apiKey?: string;
  embedder: Embedder;
  threshold: number;
  timeoutMs?: number;
}

const HTTP_NOT_FOUND = 404;
const HTTP_CONFLICT = 409;

/**
 * Semantic cache on Qdrant: one collection per (service, generation), so dropping a generation
 * is one collection delete; every search also filters on the service and generation payload and
 * on expiry, so no answer of another generation, or an expired one, is ever returned. The
 * service's live alias is switched atomically (one aliases call) when a generation takes all
 * traffic; expired points are deleted by payload filter.
 */
export class QdrantSemanticCache implements SemanticCache {
  private readonly client: QdrantClient;
  /** Collections known to exist with their payload indexes (created on first store). */
  private readonly ready = new Map<string, Promise<void>>();
  private readonly lastPurge = new Map<string, number>();

  constructor(private readonly options: QdrantSemanticCacheOptions) {
    this.client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      timeout: options.timeoutMs ?? DEFAULT_QDRANT_TIMEOUT_MS,
      // The adapter is held to the 1.19 OpenAPI document by its tests; no extra round trip at start.
      checkCompatibility: false,
    });
  }

  async lookup(query: SemanticQuery): Promise<SemanticHit | null> {
    const { service, generation } = query;
    assertScope(service, generation);
    const vector = await this.options.embedder.embed(normaliseText(query.text));
    try {
      const { points } = await this.client.query(collectionName(service, generation), {
        query: Array.from(vector),
        filter: liveFilter(service, generation, Date.now()),
        score_threshold: this.options.threshold,
        limit: 1,
        with_payload: [PAYLOAD_FIELDS.generation, PAYLOAD_FIELDS.answer],
      });
      const best = points[0];
      // The filter already pins the generation; checking it again costs nothing.
      if (!best || best.payload?.[PAYLOAD_FIELDS.generation] !== generation) return null;
      const answer = CachedAnswerSchema.safeParse(best.payload[PAYLOAD_FIELDS.answer]);
      return answer.success ? { answer: answer.data, similarity: Math.min(1, best.score) } : null;
    } catch (error) {
      if (statusOf(error) === HTTP_NOT_FOUND) return null; // nothing stored in this generation yet
      throw error;
    }
  }

  /** Idempotent: the point id derives from the normalised text, so a repeat overwrites itself. */
  async store(query: SemanticQuery, answer: CachedAnswer, ttlSeconds: number): Promise<void> {
    const { service, generation } = query;
    assertScope(service, generation);
    assertTtl(ttlSeconds);
    const normalised = normaliseText(query.text);
    const vector = await this.options.embedder.embed(normalised);
    const collection = collectionName(service, generation);
    await this.ensureCollection(collection, vector.length);
    const now = Date.now();
    await this.client.upsert(collection, {
      wait: true,
      points: [
        {
          id: pointId(normalised),
          vector: Array.from(vector),
          payload: {
            [PAYLOAD_FIELDS.service]: service,
            [PAYLOAD_FIELDS.generation]: generation,
            [PAYLOAD_FIELDS.createdAt]: now,
            [PAYLOAD_FIELDS.expiresAt]: now + ttlSeconds * 1000,
            [PAYLOAD_FIELDS.answer]: { ...answer },
          },
        },
      ],
    });
    if (now - (this.lastPurge.get(collection) ?? 0) >= QDRANT_PURGE_INTERVAL_MS) {
      this.lastPurge.set(collection, now);
      this.purgeExpired(service, generation).catch(() => undefined);
    }
  }

  /** Deletes the points of the generation whose TTL ran out (by payload filter). */
  async purgeExpired(service: string, generation: string, now = Date.now()): Promise<void> {
    assertScope(service, generation);
    try {
      await this.client.delete(collectionName(service, generation), {
        wait: true,
        filter: {
          must: [
            matches(PAYLOAD_FIELDS.service, service),
            matches(PAYLOAD_FIELDS.generation, generation),
            { key: PAYLOAD_FIELDS.expiresAt, range: { lte: now } },
          ],
        },
      });
    } catch (error) {
      if (statusOf(error) !== HTTP_NOT_FOUND) throw error;
    }
  }

  /**
   * Points the service's live alias at `generation`'s collection: one aliases call that deletes
   * the old alias and creates the new one, so readers of the alias never see neither or both.
   */
  async activateGeneration(service: string, generation: string): Promise<void> {
    assertScope(service, generation);
    const alias = liveAlias(service);
    const { aliases } = await this.client.getAliases();
    const exists = aliases.some((a) => a.alias_name === alias);
    await this.client.updateCollectionAliases({
      actions: [
        ...(exists ? [{ delete_alias: { alias_name: alias } }] : []),
        {
          create_alias: {
            alias_name: alias,
            collection_name: collectionName(service, generation),
          },
        },
      ],
    });
  }

  /** Idempotent: deleting a missing collection is a no-op. The live alias goes with its collection. */
  async dropGeneration(service: string, generation: string): Promise<void> {
    assertScope(service, generation);
    const collection = collectionName(service, generation);
    this.ready.delete(collection);
    this.lastPurge.delete(collection);
    try {
      await this.client.deleteCollection(collection);
    } catch (error) {
      if (statusOf(error) !== HTTP_NOT_FOUND) throw error;
    }
  }

  async countGeneration(service: string, generation: string): Promise<number> {
    assertScope(service, generation);
    try {
      const { count } = await this.client.count(collectionName(service, generation), {
        filter: liveFilter(service, generation, Date.now()),
        exact: true,
      });
      return count;
    } catch (error) {
      if (statusOf(error) === HTTP_NOT_FOUND) return 0;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.ready.clear();
  }

  private ensureCollection(collection: string, dimensions: number): Promise<void> {
    let ready = this.ready.get(collection);
    if (!ready) {
      ready = this.createCollection(collection, dimensions);
      this.ready.set(collection, ready);
      ready.catch(() => this.ready.delete(collection));
    }
    return ready;
  }

  private async createCollection(collection: string, dimensions: number): Promise<void> {
    const { exists } = await this.client.collectionExists(collection);
    if (exists) return;
    try {
      await this.client.createCollection(collection, {
        vectors: { size: dimensions, distance: 'Cosine' },
      });
    } catch (error) {
      if (statusOf(error) !== HTTP_CONFLICT) throw error; // another process created it first
    }
    const indexes: [string, Schemas['PayloadFieldSchema']][] = [
      [PAYLOAD_FIELDS.service, 'keyword'],
      [PAYLOAD_FIELDS.generation, 'keyword'],
      [PAYLOAD_FIELDS.expiresAt, 'integer'],
    ];
    for (const [field_name, field_schema] of indexes) {
      await this.client.createPayloadIndex(collection, { wait: true, field_name, field_schema });
    }
  }
}

function matches(key: string, value: string): Schemas['FieldCondition'] {
  return { key, match: { value } };
}

/** Points of this service and generation that have not expired. */
function liveFilter(service: string, generation: string, now: number): Schemas['Filter'] {
  return {
    must: [
      matches(PAYLOAD_FIELDS.service, service),
      matches(PAYLOAD_FIELDS.generation, generation),
      { key: PAYLOAD_FIELDS.expiresAt, range: { gt: now } },
    ],
  };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
