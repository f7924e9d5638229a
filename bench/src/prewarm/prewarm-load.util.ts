import { Pool } from 'undici';

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

export interface Sample {
  sentAt: number;
  ms: number;
  pool: string;
  ok: boolean;
}

/**
 * Requests at a fixed rate through the gateway (not waiting for answers, so a slow answer does
 * not slow the clock); each sample keeps the pool that answered (x-greenlight-pool).
 */
export class OpenLoopLoad {
  readonly samples: Sample[] = [];
  readonly sent: ChatMessage[][] = [];
  private readonly pool: Pool;
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    origin: string,
    private readonly model: string,
    private readonly next: () => ChatMessage[],
  ) {
    this.pool = new Pool(origin, { connections: 256, pipelining: 1 });
  }

  start(rate: number): void {
    this.running = true;
    const interval = 1000 / rate;
    this.loop = (async () => {
      const started = performance.now();
      for (let i = 0; this.running; i++) {
        const wait = started + i * interval - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        const messages = this.next();
        this.sent.push(messages);
        const task = this.send(messages);
        this.inFlight.add(task);
        void task.finally(() => this.inFlight.delete(task));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all(this.inFlight);
  }

  async close(): Promise<void> {
    await this.stop();
    await this.pool.close();
  }

  private async send(messages: ChatMessage[]): Promise<void> {
    const sentAt = performance.now();
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: this.model, messages, max_tokens: 1 }),
      });
      await response.body.text();
      this.samples.push({
        sentAt,
        ms: performance.now() - sentAt,
        pool: String(response.headers['x-greenlight-pool'] ?? 'none'),
        ok: response.statusCode === 200,
      });
    } catch {
      this.samples.push({ sentAt, ms: performance.now() - sentAt, pool: 'none', ok: false });
    }
  }
}

/** Deterministic text, so every run sends the same prompts. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WORDS = (
  'account answer billing customer order refund policy shipping invoice product support ' +
  'warranty return delivery payment subscription renewal discount coupon address contact ' +
  'service quality request ticket issue problem solution escalate manager priority urgent ' +
  'always never politely briefly clearly explain confirm verify check ensure avoid include ' +
  'the a of to and in for with on by from about when if then else before after during'
).split(' ');

/** A long system prompt (~`words` tokens) for one of several assistants. */
export function systemPrompt(index: number, words: number): string {
  const random = seededRandom(index + 1);
  const body = Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]);
  return `You are assistant number ${index} of ACME Corp. Follow these rules: ${body.join(' ')}.`;
}
