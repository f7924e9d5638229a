import {
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  nanos,
  type StreamConfig,
} from 'nats';
import { STREAMS, SUBJECTS } from '@greenlight/contracts';
import { BUS_ERRORS } from './bus.constants';

const DAY_MS = 24 * 3_600_000;

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

/** Creates the streams, or brings their subjects up to date; safe to run from every replica at once. */
export async function ensureStreams(jsm: JetStreamManager, replicas = 1): Promise<void> {
  for (const config of streamConfigs(replicas)) {
    const name = config.name as string;
    try {
      const info = await jsm.streams.info(name);
      const subjects = [...(info.config.subjects ?? [])].sort().join(',');
      if (subjects !== [...(config.subjects ?? [])].sort().join(',')) {
        await jsm.streams.update(name, { ...info.config, subjects: config.subjects ?? [] });
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await jsm.streams.add(config);
      } catch (addError) {
        // Another replica created it between our info and add.
        if (!/already in use/i.test(String(addError))) throw addError;
      }
    }
  }
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
