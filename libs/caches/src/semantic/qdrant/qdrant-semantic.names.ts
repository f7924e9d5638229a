import { textHash } from '../embedding/vector.util';
import { QDRANT_COLLECTION_PREFIX } from '../semantic-cache.constants';

/**
 * Collection of one generation. Services have no "_" in their alphabet, so "<service>_<generation>"
 * can be split back unambiguously and never collides with the service alias below.
 */
export function collectionName(service: string, generation: string): string {
  return `${QDRANT_COLLECTION_PREFIX}${service}_${generation}`;
}

/** The service's live alias: points at the collection of the generation that serves all traffic. */
export function liveAlias(service: string): string {
  return `${QDRANT_COLLECTION_PREFIX}${service}`;
}

/** Qdrant point ids are unsigned integers or UUIDs: 128 bits of the text's hash laid out as one. */
export function pointId(normalised: string): string {
  const h = textHash(normalised).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const PAYLOAD_FIELDS = {
  service: 'service',
  generation: 'generation',
  /** ms since the epoch; lookups and counts skip expired points, purges delete them. */
  expiresAt: 'expiresAt',
  createdAt: 'createdAt',
  answer: 'answer',
} as const;
