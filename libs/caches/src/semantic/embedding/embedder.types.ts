/** Turns a request's text into a vector; cosine similarity of two vectors says how alike they are. */
export interface Embedder {
  /**
   * Names the vector space (model and dimensions). Vectors of different spaces are never
   * compared: backends keep them apart.
   */
  readonly id: string;
  /** A unit-length vector. */
  embed(text: string): Promise<Float32Array>;
}
