/** How often an idle stream sends a comment, so proxies and clients see it is alive. */
export const HEARTBEAT_MS = 15_000;
/** Records are re-read at most this often while events arrive in bursts. */
export const RECORD_REFRESH_MS = 100;
/** A record is re-sent this often even without events (covers an event missed during a NATS blip). */
export const RECORD_RESYNC_MS = 5_000;
/** A client that reconnects waits this long (the SSE `retry:` field). */
export const CLIENT_RETRY_MS = 2_000;
/** Live events buffered per stream while its history is being read. */
export const MAX_BUFFERED = 10_000;

/** SSE event names: what a client switches on. */
export const STREAM_EVENTS = {
  /** One deployment record (the whole record, as GET /v1/deployments/:id returns it). */
  deployment: 'deployment',
  /** The list of deployments at connect time (GET /v1/stream). */
  deployments: 'deployments',
  /** One audit-log envelope, history first (in sequence order), then live. */
  audit: 'audit',
  /** History has been sent; what follows is live. */
  live: 'live',
} as const;
