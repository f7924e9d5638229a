export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const BUS_OPTIONS = Symbol('BUS_OPTIONS');

/** Redelivery backoff after a handler error: 250 ms doubling, capped. */
export const NAK_BASE_DELAY_MS = 250;
export const NAK_MAX_DELAY_MS = 30_000;
/**
 * How long a message may go unacknowledged before JetStream redelivers it: after a crash, this
 * is how long the messages the dead process held wait. Live handlers extend it while they work.
 */
export const ACK_WAIT_MS = 10_000;
/** Messages pulled ahead of handling per consumer: each one waits out ACK_WAIT_MS if the process dies. */
export const PULL_BATCH = 16;
/**
 * How long one pull request waits for messages. A pull whose consumer leader died (a NATS node
 * lost) is noticed only when it expires, so this bounds the stall; an idle consumer pulls again
 * this often.
 */
export const PULL_EXPIRES_MS = 5_000;
/** A new event consumer starts this far back, so events published while services boot side by side are not missed. */
export const EVENT_CONSUMER_LOOKBACK_MS = 5 * 60_000;

export const BUS_ERRORS = {
  invalidJson: 'payload is not valid JSON',
  noStream: (subject: string) => `no JetStream stream captures subject ${subject}`,
} as const;
