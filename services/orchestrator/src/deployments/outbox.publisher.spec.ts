import type { EventBus, StoredMessage } from '@greenlight/bus';
import type { Deployment, Envelope } from '@greenlight/contracts';
import type { DeploymentRepository, TimerStore } from '@greenlight/store';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import { OutboxPublisher } from './outbox.publisher';
import { publishEvent, sendCommand, type OutboxEntry } from './outbox.util';

const ID = '01JAAAAAAAAAAAAAAAAAAAAAAA';

function event(seq: number, ageMs = 0): OutboxEntry {
  return publishEvent({
    id: `${ID}-${seq}`,
    type: 'deployment.phase_changed',
    deploymentId: ID,
    service: 'chat',
    seq,
    at: new Date(Date.now() - ageMs).toISOString(),
    actor: 'system:orchestrator',
    causationId: null,
    data: {},
  });
}

/** An in-memory outbox and stream: the two ports the publisher talks to. */
function setUp(outbox: OutboxEntry[], alreadyInStream: OutboxEntry[] = []) {
  const stream = alreadyInStream.map(messageOf);
  const repo = {
    pendingOutbox: jest.fn(async () => [...outbox]),
    ackOutbox: jest.fn(async (_id: string, eventId: string) => {
      if (outbox[0]?.id !== eventId) return false;
      outbox.shift();
      return true;
    }),
    deploymentsWithPendingOutbox: jest.fn(async () => (outbox.length ? [ID] : [])),
  } satisfies Partial<DeploymentRepository<Deployment>>;
  const bus = {
    publish: jest.fn(async (_subject: string, e: Envelope) => {
      stream.push(e);
      return { stream: 'GL_EVENTS', seq: stream.length, duplicate: false, domain: '' };
    }),
    read: jest.fn(async () =>
      stream.map((data, i) => ({ data, streamSeq: i + 1 }) as StoredMessage<Envelope>),
    ),
  };
  const timers = {
    schedule: jest.fn(async () => undefined),
    cancel: jest.fn(async () => true),
  } satisfies Partial<TimerStore>;
  const publisher = new OutboxPublisher(
    repo as unknown as DeploymentRepository<Deployment>,
    bus as unknown as EventBus,
    timers as unknown as TimerStore,
    { OUTBOX_SWEEP_MS: 1_000 } as OrchestratorConfig,
  );
  return { publisher, stream, bus, outbox, repo, timers };
}

function messageOf(entry: OutboxEntry): Envelope {
  if (entry.kind !== 'publish') throw new Error('not a publish entry');
  return entry.message;
}

describe('OutboxPublisher', () => {
  it('publishes pending events in order and empties the outbox', async () => {
    const { publisher, stream, outbox } = setUp([event(1), event(2), event(3)]);

    await publisher.flush(ID);

    expect(stream.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(outbox).toEqual([]);
  });

  it('after a restart, skips events the stream already holds (published before the crash, past the dedupe window)', async () => {
    const published = [event(1, 10 * 60_000), event(2, 10 * 60_000)];
    const { publisher, stream } = setUp([published[1]!, event(3)], published);

    await publisher.flush(ID, true);

    expect(stream.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('keeps what it could not publish for the next attempt, in order', async () => {
    const { publisher, stream, bus, outbox } = setUp([event(1), event(2)]);
    bus.publish.mockRejectedValueOnce(new Error('TIMEOUT'));

    await expect(publisher.flush(ID)).rejects.toThrow('TIMEOUT');
    const kept = outbox.map((e) => messageOf(e).seq);
    await publisher.flush(ID);

    expect(kept).toEqual([1, 2]);
    expect(stream.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('runs concurrent flushes of one deployment one after the other, publishing each event once', async () => {
    const { publisher, stream } = setUp([event(1), event(2), event(3)]);

    await Promise.all([publisher.flush(ID), publisher.flush(ID), publisher.flush(ID)]);

    expect(stream.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('schedules and cancels timers and frees the service in the order they were stored', async () => {
    const payload = {
      deploymentId: ID,
      trigger: 'fail',
      phase: 'WarmingUp',
      reason: 'late',
    } as const;
    const { publisher, stream, timers, repo, outbox } = setUp([
      event(1),
      { id: 't', kind: 'schedule-timer', timerId: `pool:${ID}`, dueAt: 5, payload },
      { id: 'c', kind: 'cancel-timer', timerId: `pool:${ID}` },
      { id: 'l', kind: 'release-lock', service: 'chat', deploymentId: ID, fence: 7 },
    ]);
    const releaseLock = jest.fn(async () => true);
    Object.assign(repo, { releaseLock });

    await publisher.flush(ID);

    expect(stream.map((e) => e.seq)).toEqual([1]);
    expect(timers.schedule).toHaveBeenCalledWith(`pool:${ID}`, 5, payload);
    expect(timers.cancel).toHaveBeenCalledWith(`pool:${ID}`);
    expect(releaseLock).toHaveBeenCalledWith('chat', ID, 7);
    expect(outbox).toEqual([]);
  });

  it('sends a phase event and its command together, but never two events of one stream out of order', async () => {
    const command = sendCommand(
      { id: ID, service: 'chat', seq: 3 },
      'pool.stop',
      { release: 'v2', reason: 'failed' },
      null,
    );
    const { publisher, bus } = setUp([event(3), command, event(4)]);
    const subjects: string[] = [];
    let releaseFirst!: () => void;
    const firstAcked = new Promise<void>((resolve) => (releaseFirst = resolve));
    bus.publish.mockImplementation(async (subject: string) => {
      subjects.push(subject);
      if (subjects.length === 1) await firstAcked;
      return { stream: '', seq: subjects.length, duplicate: false, domain: '' };
    });

    const flushed = publisher.flush(ID);
    await new Promise((r) => setImmediate(r));
    const beforeFirstAck = [...subjects];
    releaseFirst();
    await flushed;

    expect(beforeFirstAck).toEqual([
      `greenlight.evt.deployment.phase_changed.chat.${ID}`,
      'greenlight.cmd.pool.stop.chat',
    ]);
    expect(subjects).toHaveLength(3);
  });
});
