export interface LatencyParams {
  ttftOverheadMs: number;
  prefillPerTokenMs: number;
  itlMs: number;
  maxNumSeqs: number;
  /** How much a full batch slows decoding: ITL × (1 + running/maxNumSeqs × loadFactor). */
  loadFactor: number;
}

/** How long prefill and each decode step take; `factor` is read on every call (a runtime fault). */
export class LatencyModel {
  constructor(
    private readonly params: LatencyParams,
    private readonly factor: () => number = () => 1,
  ) {}

  /** Time from admission to the first token: fixed overhead plus prefill of the uncached tokens. */
  ttftMs(uncachedTokens: number): number {
    const { ttftOverheadMs, prefillPerTokenMs } = this.params;
    return (ttftOverheadMs + uncachedTokens * prefillPerTokenMs) * this.factor();
  }

  /** Gap between two output tokens with `running` sequences in the batch. */
  itlMs(running: number): number {
    const { itlMs, maxNumSeqs, loadFactor } = this.params;
    return itlMs * this.factor() * (1 + (running / maxNumSeqs) * loadFactor);
  }
}
