import { Registry } from 'prom-client';

/**
 * A metrics registry whose every series carries `service="<name>"`, so dashboards and alert rules
 * (deploy/monitoring) tell ingest, writer, query and alerter apart whatever the scrape job is called.
 */
export function serviceRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  return registry;
}
