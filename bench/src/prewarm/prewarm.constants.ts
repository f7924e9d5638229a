export const SERVICE = 'bench-prewarm';
/** Open-loop request rate, the same before and after each flip. */
export const RATE = 80;
/** Requests measured: steady state on blue, and on green right after each flip. */
export const MEASURED = 500;
/** Blue runs this long before the steady-state window, so its caches hold every prompt. */
export const WARMUP_MS = 3_000;
/** The gateway (if it records hot prefixes) flushes about every second. */
export const RECORD_SETTLE_MS = 1_500;
export const SYSTEM_PROMPTS = 10;
/** Words per system prompt: ~1.2k simulator tokens each once rendered (77 blocks of 16). */
export const SYSTEM_PROMPT_WORDS = 600;
export const TOP_PREFIXES = 200;
export const PREWARM_CONCURRENCY = 8;
export const PREWARM_BUDGET_MS = 30_000;
/** How long collecting MEASURED green answers after a flip may take before the bench gives up. */
export const COLLECT_TIMEOUT_MS = 20_000;

/**
 * vLLM-like cost: TTFT = 40 ms + 0.3 ms per uncached prompt token (1.2k tokens ≈ 400 ms cold).
 * Rate and prompt size leave the simulators CPU to spare on a 2-core machine: what is measured is
 * the prefix cache, not a saturated event loop.
 */
export const SIM_ARGS = [
  '--ttft-overhead',
  '40ms',
  '--prefill-per-token',
  '0.3ms',
  '--itl',
  '1ms',
  '--max-num-seqs',
  '256',
] as const;
