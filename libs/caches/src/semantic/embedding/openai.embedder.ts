import { request } from 'undici';
import { DEFAULT_EMBEDDER_TIMEOUT_MS, SEMANTIC_CACHE_ERRORS } from '../semantic-cache.constants';
import type { Embedder } from './embedder.types';
import { normaliseVector } from './vector.util';

export interface OpenAiEmbedderOptions {
  /** e.g. http://127.0.0.1:8000 or https://api.openai.com (with or without a trailing /v1). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Whole request, headers and body. */
  timeoutMs?: number;
}

/** Embeddings from any OpenAI-compatible `/v1/embeddings` endpoint (vLLM, TEI, OpenAI). */
export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  private readonly url: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.id = `openai:${options.model}`;
    this.url = `${options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/embeddings`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_EMBEDDER_TIMEOUT_MS;
  }

  async embed(text: string): Promise<Float32Array> {
    const response = await request(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: this.options.model, input: text, encoding_format: 'float' }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = await response.body.text();
    if (response.statusCode !== 200) {
      throw new Error(SEMANTIC_CACHE_ERRORS.embedderStatus(response.statusCode, body));
    }
    const vector = Float32Array.from(parseEmbedding(body));
    // Most servers already return unit vectors; cosine as a dot product relies on it.
    if (!normaliseVector(vector)) throw new Error(SEMANTIC_CACHE_ERRORS.embedderZeroVector);
    return vector;
  }
}

function parseEmbedding(body: string): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(SEMANTIC_CACHE_ERRORS.embedderBadResponse);
  }
  const data = (parsed as { data?: { embedding?: unknown }[] } | null)?.data;
  const embedding = Array.isArray(data) ? data[0]?.embedding : undefined;
  if (
    !Array.isArray(embedding) ||
    embedding.length === 0 ||
    !embedding.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new Error(SEMANTIC_CACHE_ERRORS.embedderBadResponse);
  }
  return embedding as number[];
}
