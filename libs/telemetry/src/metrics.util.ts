import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per process, labelled with the component so a scrape names its source. */
export function createMetricsRegistry(component: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry, prefix: 'greenlight_' });
  return registry;
}
