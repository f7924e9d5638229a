import { createHash } from 'node:crypto';

/** Case, Unicode forms, punctuation and spacing do not change what a request asks. */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** SHA-256 of a normalised text: the same request always lands on the same entry. */
export function textHash(normalised: string): Buffer {
  return createHash('sha256').update(normalised).digest();
}

/** 96 bits of the hash, 16 characters: short ids keep bucket sets small. */
export function textId(normalised: string): string {
  return textHash(normalised).subarray(0, 12).toString('base64url');
}

/** FNV-1a, 32 bits: fast, stable across processes and good enough to spread features. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Scales `vector` in place to unit length; false for the zero vector. */
export function normaliseVector(vector: Float32Array): boolean {
  let sum = 0;
  for (const value of vector) sum += value * value;
  if (sum === 0) return false;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! * scale;
  return true;
}

/** Dot product; equals the cosine for unit vectors. Vectors of different lengths do not compare. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

/** The bytes of a vector, for Redis (little-endian Float32, as the machine holds them). */
export function vectorToBuffer(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function bufferToVector(buffer: Buffer): Float32Array {
  // Copy: the buffer may be a slice of a pooled allocation that is not 4-byte aligned.
  const copy = new Uint8Array(buffer.byteLength);
  copy.set(buffer);
  return new Float32Array(copy.buffer, 0, buffer.byteLength / Float32Array.BYTES_PER_ELEMENT);
}
