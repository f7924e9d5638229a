export const ORCHESTRATOR_ACTOR = 'system:orchestrator';

/** Phases whose release is what clients are served now: the blue of the next deployment. */
export const LIVE_PHASES = ['Promoted', 'Draining', 'Standby', 'Completed'] as const;

/** Outbox events older than this are checked against the stream before publishing: past JetStream's dedupe window. */
export const OUTBOX_VERIFY_AFTER_MS = 90_000;

export const DEPLOYMENT_ERRORS = {
  invalidRequest: 'invalid deploy request',
  notFound: (id: string) => `deployment ${id} not found`,
  invalidId: (id: string) => `"${id}" is not a deployment id (a 26-character ULID)`,
  conflict: (service: string, holder: string) =>
    `a deployment of service "${service}" is active (${holder}); wait for it to end, or abort it`,
} as const;
