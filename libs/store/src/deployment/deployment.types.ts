/** What the store needs to know about a deployment record; the rest is opaque JSON. */
export interface StoredRecord {
  id: string;
  service: string;
  version: number;
}

/** An outbox event: opaque JSON with a unique id (the bus dedupe id). */
export interface OutboxEvent {
  id: string;
  [field: string]: unknown;
}

export interface LockHolder {
  deploymentId: string;
  fence: number;
}

export interface CreateDeploymentInput<T extends StoredRecord> {
  record: T;
  /** Same key within 24 h returns the first deployment instead of creating another. */
  idempotencyKey: string | null;
  /** Events to publish once the record is stored (transactional outbox). */
  outbox: object[];
  /** Take the per-service lock; its fence is written into the record as `fence`. */
  lock: boolean;
}

export type CreateDeploymentResult<T extends StoredRecord> =
  | { status: 'created'; record: T }
  | { status: 'duplicate'; id: string }
  | { status: 'conflict'; holder: LockHolder };

export interface ListDeploymentsQuery {
  service?: string;
  limit?: number;
  /** Id of a deployment: only those created before it (the last id of the previous page). */
  before?: string;
}
