export interface BusOptions {
  /** NATS server URL(s), comma-separated. */
  servers: string;
  /** The component name: used as the connection name and as the durable consumer prefix. */
  component: string;
  /** JetStream replication factor of the streams this process provisions (3 on a cluster). */
  replicas?: number;
  user?: string;
  pass?: string;
}
