import { hashInts } from '../common/hash.util';

export const BLOCK_SIZE = 16;

/**
 * vLLM's automatic prefix cache, reduced to what changes latency and metrics: full 16-token
 * blocks keyed by a hash chained over every block before them, evicted least recently used.
 * Empty at start, like a fresh vLLM process.
 */
export class PrefixCache {
  // Map keeps insertion order: the first key is the least recently used block.
  private readonly blocks = new Map<number, true>();

  constructor(
    readonly capacityBlocks: number,
    readonly blockSize: number = BLOCK_SIZE,
  ) {}

  /** One chained hash per full block; a trailing partial block is never cached. */
  hashBlocks(tokens: readonly number[]): number[] {
    const hashes: number[] = [];
    let parent = 0;
    for (let end = this.blockSize; end <= tokens.length; end += this.blockSize) {
      parent = hashInts(tokens.slice(end - this.blockSize, end), parent);
      hashes.push(parent);
    }
    return hashes;
  }

  /**
   * Tokens served from the cache: the longest cached block prefix. At least the last prompt token
   * is always computed (vLLM needs its logits), so a fully cached prompt still misses one block.
   */
  lookup(hashes: readonly number[], promptLength: number): number {
    const usable = Math.min(hashes.length, Math.floor((promptLength - 1) / this.blockSize));
    let hits = 0;
    while (hits < usable && this.blocks.has(hashes[hits] ?? -1)) hits++;
    for (let i = 0; i < hits; i++) this.touch(hashes[i] ?? -1);
    return hits * this.blockSize;
  }

  /** Stores the blocks after prefill, evicting the least recently used beyond capacity. */
  insert(hashes: readonly number[]): void {
    for (const hash of hashes) this.touch(hash);
    while (this.blocks.size > this.capacityBlocks) {
      const oldest = this.blocks.keys().next();
      if (oldest.done) break;
      this.blocks.delete(oldest.value);
    }
  }

  get size(): number {
    return this.blocks.size;
  }

  private touch(hash: number): void {
    this.blocks.delete(hash);
    this.blocks.set(hash, true);
  }
}
