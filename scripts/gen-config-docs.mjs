#!/usr/bin/env node
// Writes docs/configuration.md from the services' zod config schemas (run after `make build`).
// A test fails when the committed file differs from what this generates.
import { writeFileSync } from 'node:fs';
import { configReference } from '../packages/config/dist/index.js';

export const SERVICES = ['ingest', 'writer', 'query', 'alerter', 'all-in-one'];

const services = [];
for (const name of SERVICES) {
  const { configSchema } = await import(`../services/${name}/dist/config.js`);
  services.push({ name, schema: configSchema });
}
writeFileSync('docs/configuration.md', configReference(services));
console.log('wrote docs/configuration.md');
