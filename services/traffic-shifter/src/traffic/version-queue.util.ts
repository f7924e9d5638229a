interface Waiting {
  version: number;
  start: () => void;
}

/**
 * Runs tasks one at a time per key; when several wait, the lowest version goes first, so changes
 * that arrive together are applied in version order instead of the newer one making the older
 * stale.
 */
export class VersionQueue {
  private readonly busy = new Set<string>();
  private readonly waiting = new Map<string, Waiting[]>();

  async run<T>(key: string, version: number, task: () => Promise<T>): Promise<T> {
    if (this.busy.has(key)) {
      await new Promise<void>((start) => {
        const queue = this.waiting.get(key) ?? [];
        queue.push({ version, start });
        this.waiting.set(key, queue);
      });
    }
    this.busy.add(key);
    try {
      return await task();
    } finally {
      this.next(key);
    }
  }

  /** Tasks waiting behind the running one, per key. */
  pending(key: string): number {
    return this.waiting.get(key)?.length ?? 0;
  }

  private next(key: string): void {
    const queue = this.waiting.get(key);
    if (!queue?.length) {
      this.busy.delete(key);
      this.waiting.delete(key);
      return;
    }
    let lowest = 0;
    for (let i = 1; i < queue.length; i++) {
      if (queue[i]!.version < queue[lowest]!.version) lowest = i;
    }
    const [chosen] = queue.splice(lowest, 1);
    // `busy` stays set: the chosen task inherits the slot.
    chosen!.start();
  }
}
