import {
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  nanos,
  type StreamConfig,
} from 'nats';
import { Logger } from '@nestjs/common';
import { ROUTES_BUCKET, STREAMS, SUBJECTS } from '@greenlight/contracts';
import { BUS_ERRORS } from './bus.constants';

const DAY_MS = 24 * 3_600_000;
/** Same history the orchestrator, traffic-shifter and gateway open the routes bucket with. */
export const ROUTES_KV_HISTORY = 5;

export const STREAM_WARNINGS = {
  replicationUnsupported: (stream: string, replicas: number) =>
    `stream ${stream} cannot be replicated ${replicas}x (a single server, or too few nodes up); keeping fewer replicas`,
} as const;

export function streamConfigs(replicas = 1): Partial<StreamConfig>[] {
  return [
    {
      name: STREAMS.events,
      description: 'greenlight events: the audit log of every deployment',
      subjects: [SUBJECTS.eventsAll, SUBJECTS.deployRejected, SUBJECTS.commandRejected],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(365 * DAY_MS),
      duplicate_window: nanos(2 * 60_000),
      num_replicas: replicas,
    },
    {
      name: STREAMS.commands,
      description: 'greenlight commands and deploy requests: each handled once',
      subjects: [SUBJECTS.commandsAll, SUBJECTS.deployRequested],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(7 * DAY_MS),
      duplicate_window: nanos(2 * 60_000),
      num_replicas: replicas,
    },
  ];
}

/** KV buckets greenlight shares between services; created here so they get the streams' replication. */
export const KV_BUCKETS = [{ bucket: ROUTES_BUCKET, history: ROUTES_KV_HISTORY }] as const;

/** The stream that backs a KV bucket (nats.js naming). */
export function kvStreamName(bucket: string): string {
  return `KV_${bucket}`;
}

const log = new Logger('JetStream');

/**
 * Creates the streams and shared KV buckets, or brings their subjects and replication up to
 * date; safe to run from every replica at once. Replication only ever grows: a process with an
 * older, lower setting never shrinks a stream another one raised. A server that cannot replicate
 * (a single node asked for R3) gets R1 streams and a warning, rather than no greenlight at all.
 */
export async function ensureStreams(jsm: JetStreamManager, replicas = 1): Promise<void> {
  for (const config of streamConfigs(replicas)) {
    const name = config.name as string;
    try {
      const info = await jsm.streams.info(name);
      const subjects = [...(info.config.subjects ?? [])].sort().join(',');
      if (subjects !== [...(config.subjects ?? [])].sort().join(',')) {
        await jsm.streams.update(name, { ...info.config, subjects: config.subjects ?? [] });
      }
      await raiseReplicas(jsm, name, replicas);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await addStream(jsm, config, replicas);
    }
  }
  for (const { bucket, history } of KV_BUCKETS) {
    const name = kvStreamName(bucket);
    try {
      await jsm.streams.info(name);
      await raiseReplicas(jsm, name, replicas);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await addBucket(jsm, bucket, history, replicas);
    }
  }
}

async function addStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig>,
  replicas: number,
): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (error) {
    // Another replica created it between our info and add: make sure of its replication.
    if (isAlreadyInUse(error)) return raiseReplicas(jsm, config.name as string, replicas);
    if (replicas > 1 && isReplicationUnsupported(error)) {
      log.warn(STREAM_WARNINGS.replicationUnsupported(config.name as string, replicas));
      return addStream(jsm, { ...config, num_replicas: 1 }, 1);
    }
    throw error;
  }
}

async function addBucket(
  jsm: JetStreamManager,
  bucket: string,
  history: number,
  replicas: number,
): Promise<void> {
  try {
    // nats.js builds the KV stream config, so every service's views.kv() finds what it expects.
    await jsm.jetstream().views.kv(bucket, { history, storage: StorageType.File, replicas });
  } catch (error) {
    if (isAlreadyInUse(error)) return raiseReplicas(jsm, kvStreamName(bucket), replicas);
    if (replicas > 1 && isReplicationUnsupported(error)) {
      log.warn(STREAM_WARNINGS.replicationUnsupported(kvStreamName(bucket), replicas));
      return addBucket(jsm, bucket, history, 1);
    }
    throw error;
  }
}

/** Scales a stream up to `replicas` (a clustered server moves its data); never down. */
async function raiseReplicas(jsm: JetStreamManager, name: string, replicas: number) {
  const info = await jsm.streams.info(name);
  if ((info.config.num_replicas ?? 1) >= replicas) return;
  try {
    await jsm.streams.update(name, { ...info.config, num_replicas: replicas });
    log.log(`stream ${name} now replicated ${replicas}x`);
  } catch (error) {
    // The stream keeps working as it is; say why it is not replicated.
    log.warn(`${STREAM_WARNINGS.replicationUnsupported(name, replicas)}: ${String(error)}`);
  }
}

function isAlreadyInUse(error: unknown): boolean {
  return /already in use|already exists/i.test(String(error));
}

function isReplicationUnsupported(error: unknown): boolean {
  return /replicas > 1 not supported|insufficient resources|no suitable peers/i.test(String(error));
}

/** Which stream captures a subject or a filter (wildcards allowed after the fixed prefix). */
export function streamFor(subject: string): string {
  if (
    subject.startsWith('greenlight.evt.') ||
    subject === SUBJECTS.deployRejected ||
    subject === SUBJECTS.commandRejected
  ) {
    return STREAMS.events;
  }
  if (subject.startsWith('greenlight.cmd.') || subject === SUBJECTS.deployRequested) {
    return STREAMS.commands;
  }
  throw new Error(BUS_ERRORS.noStream(subject));
}

export function isNotFound(error: unknown): boolean {
  return /not found/i.test(String((error as { message?: string })?.message ?? error));
}
