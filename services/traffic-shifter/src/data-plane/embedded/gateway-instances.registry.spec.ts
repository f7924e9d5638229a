import { GatewayInstanceRegistry } from './gateway-instances.registry';

const TTL = 3_500;
const HEARTBEAT = 1_000;
const GRACE = 250;

function beat(instance: string, chat: number) {
  return { instance, at: new Date().toISOString(), tables: { chat } };
}

function ack(instance: string, version: number) {
  return { instance, service: 'chat', version, appliedAt: new Date().toISOString() };
}

describe('GatewayInstanceRegistry', () => {
  let registry: GatewayInstanceRegistry;

  beforeEach(() => {
    jest.useFakeTimers();
    registry = new GatewayInstanceRegistry({ ttlMs: TTL, heartbeatMs: HEARTBEAT, graceMs: GRACE });
  });

  afterEach(() => jest.useRealTimers());

  /** Settles the promise's state without waiting on real time. */
  async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
    let result: 'pending' | 'resolved' | 'rejected' = 'pending';
    promise.then(
      () => (result = 'resolved'),
      () => (result = 'rejected'),
    );
    await jest.advanceTimersByTimeAsync(0);
    return result;
  }

  it('waits for every live instance to acknowledge the version', async () => {
    jest.advanceTimersByTime(HEARTBEAT + GRACE);
    registry.heartbeat(beat('gw-a', 4));
    registry.heartbeat(beat('gw-b', 4));

    const wait = registry.waitFor('chat', 5, 10_000);
    registry.ack(ack('gw-a', 5));
    expect(await state(wait)).toBe('pending');

    registry.ack(ack('gw-b', 5));
    await expect(wait).resolves.toEqual({ instances: ['gw-a', 'gw-b'] });
  });

  it('counts an instance whose heartbeat already reports the version (or a newer one)', async () => {
    jest.advanceTimersByTime(HEARTBEAT + GRACE);
    registry.heartbeat(beat('gw-a', 6));

    await expect(registry.waitFor('chat', 5, 10_000)).resolves.toEqual({ instances: ['gw-a'] });
  });

  it('counts an ack that arrived before the wait began (the gateway was fast)', async () => {
    jest.advanceTimersByTime(HEARTBEAT + GRACE);
    registry.heartbeat(beat('gw-a', 4));
    registry.ack(ack('gw-a', 5));

    await expect(registry.waitFor('chat', 5, 10_000)).resolves.toEqual({ instances: ['gw-a'] });
  });

  it('stops waiting for an instance that fell silent', async () => {
    jest.advanceTimersByTime(HEARTBEAT + GRACE);
    registry.heartbeat(beat('gw-a', 4));
    registry.heartbeat(beat('gw-silent', 4));

    const wait = registry.waitFor('chat', 5, 10_000);
    registry.ack(ack('gw-a', 5));
    for (let i = 0; i < 3; i++) {
      jest.advanceTimersByTime(HEARTBEAT);
      registry.heartbeat(beat('gw-a', 5));
    }
    expect(await state(wait)).toBe('pending');

    jest.advanceTimersByTime(TTL - 3 * HEARTBEAT);
    await expect(wait).resolves.toEqual({ instances: ['gw-a'] });
  });

  it('confirms at once when no gateway is alive, but only once the instance list is complete', async () => {
    const wait = registry.waitFor('chat', 1, 10_000);
    expect(await state(wait)).toBe('pending');

    jest.advanceTimersByTime(HEARTBEAT + GRACE);
    await expect(wait).resolves.toEqual({ instances: [] });
  });

  it('waits for an instance first heard during the start-up window', async () => {
    const wait = registry.waitFor('chat', 2, 10_000);
    jest.advanceTimersByTime(HEARTBEAT / 2);
    registry.heartbeat(beat('gw-late', 1));
    jest.advanceTimersByTime(HEARTBEAT);
    expect(await state(wait)).toBe('pending');

    registry.ack(ack('gw-late', 2));
    await expect(wait).resolves.toEqual({ instances: ['gw-late'] });
  });

  it('gives up after the timeout, naming the instance that did not acknowledge', async () => {
    jest.advanceTimersByTime(HEARTBEAT + GRACE);
    registry.heartbeat(beat('gw-a', 4));
    registry.heartbeat(beat('gw-stuck', 4));
    const wait = registry.waitFor('chat', 5, 2_000);
    const outcome = expect(wait).rejects.toThrow(
      'chat v5 not confirmed within 2000 ms: gateway instance(s) gw-stuck (serves v4) did not acknowledge it',
    );

    registry.ack(ack('gw-a', 5));
    jest.advanceTimersByTime(1_000);
    registry.heartbeat(beat('gw-stuck', 4)); // alive, so still waited for
    jest.advanceTimersByTime(1_000);
    await outcome;
  });

  it('ends waits in progress when the shifter shuts down, so the command is redelivered', async () => {
    jest.advanceTimersByTime(HEARTBEAT + GRACE);
    registry.heartbeat(beat('gw-a', 4));
    const wait = registry.waitFor('chat', 5, 10_000);

    registry.abortAll('shutting down');

    await expect(wait).rejects.toThrow('shutting down');
  });
});
