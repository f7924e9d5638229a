import { SEMANTIC_KEY_PREFIX } from '../semantic-cache.constants';

/**
 * Every key of the Redis backend starts with the service AND the generation, so a lookup can
 * only ever read its own generation, and dropping a generation is one SCAN over its prefix.
 * Service and generation are validated to [a-z0-9_-], so neither can contain ':' or a glob. The
 * braces are a hash tag: in a cluster a generation's keys share a slot, as the lookup script needs.
 */
export const SEMANTIC_KEYS = {
  generation: (service: string, generation: string) =>
    `${SEMANTIC_KEY_PREFIX}{${service}:${generation}}:`,
  /** hash { v: Float32 bytes, a: answer JSON, g: generation }, one per normalised request text. */
  entry: (service: string, generation: string, id: string) =>
    `${SEMANTIC_KEYS.generation(service, generation)}e:${id}`,
  /** set of entry ids; `space` names the embedder and LSH shape, so vectors of other spaces never meet. */
  bucket: (service: string, generation: string, space: string, band: number, bucket: number) =>
    `${SEMANTIC_KEYS.generation(service, generation)}b:${space}:${band}:${bucket.toString(36)}`,
  /** Scratch zset of one lookup script (created and deleted inside it; scripts run one at a time). */
  scratch: (service: string, generation: string) =>
    `${SEMANTIC_KEYS.generation(service, generation)}tmp`,
  /** zset entry id -> expiry (ms): counts live entries without scanning. */
  index: (service: string, generation: string) =>
    `${SEMANTIC_KEYS.generation(service, generation)}idx`,
} as const;

export const ENTRY_FIELDS = { vector: 'v', answer: 'a', generation: 'g' } as const;
