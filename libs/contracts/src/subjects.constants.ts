/**
 * NATS subject names: the wire contract between services.
 *
 * Events:   greenlight.evt.<noun>.<verb>.<service>.<deploymentId>   (stream GL_EVENTS, the audit log)
 * Commands: greenlight.cmd.<noun>.<verb>.<service>                   (stream GL_COMMANDS, work queue)
 * Entry:    greenlight.deploy.requested                              (stream GL_COMMANDS)
 *
 * Service names and deployment ids are restricted to subject-safe tokens, so a consumer can
 * filter by type (`greenlight.evt.pool.ready.>`), by service (`greenlight.evt.*.*.chat.>`)
 * or by deployment (`greenlight.evt.*.*.*.<id>`).
 */
export const SUBJECT_ROOT = 'greenlight';

export const SUBJECTS = {
  deployRequested: 'greenlight.deploy.requested',
  deployRejected: 'greenlight.deploy.rejected',
  /** Commands whose payload is invalid are answered here (they may lack a deployment id). */
  commandRejected: 'greenlight.command.rejected',
  eventsAll: 'greenlight.evt.>',
  commandsAll: 'greenlight.cmd.>',
} as const;

export const STREAMS = {
  /** Every event, kept on disk: the audit log. */
  events: 'GL_EVENTS',
  /** Commands and deploy requests: work-queue retention, each handled once. */
  commands: 'GL_COMMANDS',
} as const;

/** Event type = `<noun>.<verb>`, exactly two subject tokens. */
export type EventTypeName = `${string}.${string}`;

export function eventSubject(type: EventTypeName, service: string, deploymentId: string): string {
  return `greenlight.evt.${type}.${service}.${deploymentId}`;
}

/** Filter for one event type across services and deployments. */
export function eventTypeFilter(type: EventTypeName): string {
  return `greenlight.evt.${type}.>`;
}

export function deploymentEventsFilter(deploymentId: string): string {
  return `greenlight.evt.*.*.*.${deploymentId}`;
}

export function serviceEventsFilter(service: string): string {
  return `greenlight.evt.*.*.${service}.>`;
}

export function commandSubject(type: EventTypeName, service: string): string {
  return `greenlight.cmd.${type}.${service}`;
}

export function commandTypeFilter(type: EventTypeName): string {
  return `greenlight.cmd.${type}.*`;
}

/**
 * Replies to a NATS user's requests (JetStream API answers, pull batches, publish acks) arrive
 * under its own prefix, so the server can let each user read only its own replies.
 */
export function inboxPrefixFor(user: string): string {
  return `_INBOX_${user}`;
}

/** Subject tokens must not contain separators or wildcards. */
export const SUBJECT_TOKEN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const DEPLOYMENT_ID = /^[0-9A-Z]{26}$/;
