#!/usr/bin/env node
// Writes docs/openapi/ingest.json from the zod schemas (run after `make build`; `make docs` does both).
import { mkdirSync, writeFileSync } from 'node:fs';
import { ingestOpenApi } from '../packages/schema/dist/index.js';

mkdirSync('docs/openapi', { recursive: true });
writeFileSync('docs/openapi/ingest.json', `${JSON.stringify(ingestOpenApi(), null, 2)}\n`);
console.log('wrote docs/openapi/ingest.json');
