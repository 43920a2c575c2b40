#!/usr/bin/env node
// Writes docs/openapi/{ingest,query}.json from the zod schemas (run after `make build`; `make docs`
// does both). Tests fail when the committed files differ from what this generates.
import { mkdirSync, writeFileSync } from 'node:fs';
import { ingestOpenApi } from '../packages/schema/dist/index.js';
import { queryOpenApi } from '../services/query/dist/index.js';

mkdirSync('docs/openapi', { recursive: true });
for (const [name, doc] of [
  ['ingest', ingestOpenApi()],
  ['query', queryOpenApi()],
]) {
  writeFileSync(`docs/openapi/${name}.json`, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`wrote docs/openapi/${name}.json`);
}
