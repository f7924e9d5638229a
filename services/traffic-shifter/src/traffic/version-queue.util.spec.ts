import { VersionQueue } from './version-queue.util';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('VersionQueue', () => {
  it('runs one change per service at a time, the waiting ones lowest version first', async () => {
    const queue = new VersionQueue();
    const order: string[] = [];
    const first = deferred();

    const running = queue.run('chat', 1, async () => {
      order.push('chat v1 start');
      await first.promise;
      order.push('chat v1 end');
    });
    const later = [3, 2].map((v) =>
      queue.run('chat', v, async () => void order.push(`chat v${v}`)),
    );
    const other = queue.run('summarize', 9, async () => void order.push('summarize v9'));
    await other;
    expect(queue.pending('chat')).toBe(2);

    first.resolve();
    await Promise.all([running, ...later]);

    expect(order).toEqual(['chat v1 start', 'summarize v9', 'chat v1 end', 'chat v2', 'chat v3']);
  });

  it('moves on to the next change when one fails', async () => {
    const queue = new VersionQueue();
    const failing = queue.run('chat', 1, async () => {
      throw new Error('boom');
    });
    const next = queue.run('chat', 2, async () => 'applied');

    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('applied');
    expect(queue.pending('chat')).toBe(0);
  });
});
