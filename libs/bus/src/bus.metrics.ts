import { Counter, Histogram, type Registry } from 'prom-client';

/** What the JetStream transport reports per handler (label = the subscribed subject filter). */
export class BusMetrics {
  readonly messages: Counter<'handler' | 'outcome'>;
  readonly handleSeconds: Histogram<'handler'>;

  constructor(registry: Registry) {
    this.messages = new Counter({
      name: 'greenlight_bus_messages_total',
      help: 'Messages taken from JetStream by outcome: acked, retried (nak), rejected (invalid payload)',
      labelNames: ['handler', 'outcome'],
      registers: [registry],
    });
    this.handleSeconds = new Histogram({
      name: 'greenlight_bus_handle_seconds',
      help: 'Time from a message being taken to its handler finishing',
      labelNames: ['handler'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }
}
