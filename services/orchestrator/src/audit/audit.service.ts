import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { EventBus, type ReadOptions } from '@greenlight/bus';
import {
  deploymentEventsFilter,
  EnvelopeSchema,
  serviceEventsFilter,
  SUBJECTS,
  type Envelope,
} from '@greenlight/contracts';

const AUDIT_UNAVAILABLE =
  'the audit log (JetStream) is unreachable; deployments keep their state and it is readable again when NATS is back';

export interface AuditPage {
  items: (Envelope & { streamSeq: number })[];
  /** Pass as `since` to get what came after this page. */
  cursor: number | null;
}

/** The audit log is the JetStream events stream; this reads it, it never writes. */
@Injectable()
export class AuditService {
  constructor(private readonly bus: EventBus) {}

  async deploymentEvents(deploymentId: string): Promise<Envelope[]> {
    const stored = await this.read(deploymentEventsFilter(deploymentId), { limit: 10_000 });
    return stored
      .map((m) => m.data)
      .filter(isEnvelope)
      .sort((a, b) => a.seq - b.seq || a.at.localeCompare(b.at));
  }

  /** Events of one service (or all), after a stream cursor or since a time. */
  async events(query: {
    service?: string;
    since?: number | Date;
    limit: number;
  }): Promise<AuditPage> {
    const filter = query.service ? serviceEventsFilter(query.service) : SUBJECTS.eventsAll;
    const stored = await this.read(filter, {
      limit: query.limit,
      ...(typeof query.since === 'number' ? { afterSeq: query.since } : {}),
      ...(query.since instanceof Date ? { sinceTime: query.since } : {}),
    });
    return {
      items: stored
        .filter((m) => isEnvelope(m.data))
        .map((m) => ({ ...m.data, streamSeq: m.streamSeq })),
      cursor: stored.at(-1)?.streamSeq ?? (typeof query.since === 'number' ? query.since : null),
    };
  }

  private async read(filter: string, options: ReadOptions) {
    if (!this.bus.isConnected()) throw new ServiceUnavailableException(AUDIT_UNAVAILABLE);
    try {
      return await this.bus.read<Envelope>(filter, options);
    } catch (error) {
      throw new ServiceUnavailableException(`${AUDIT_UNAVAILABLE}: ${(error as Error).message}`);
    }
  }
}

/**
 * Anyone who may publish on greenlight.evt.> can put a message there that is no event (a bare
 * number, a list): the audit log shows events only, rather than failing on such a message.
 */
function isEnvelope(data: unknown): data is Envelope {
  return EnvelopeSchema.safeParse(data).success;
}
