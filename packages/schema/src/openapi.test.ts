import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestOpenApi } from './openapi.js';

describe('ingest OpenAPI document', () => {
  const doc = ingestOpenApi() as {
    components: { schemas: Record<string, Record<string, unknown>> };
    paths: object;
  };

  it('is generated from the zod schemas that validate requests', () => {
    const batch = doc.components.schemas.Batch as {
      properties: Record<string, { items: { required: string[] } }>;
    };
    expect(batch.properties.spans?.items.required).toEqual(
      expect.arrayContaining(['trace_id', 'span_id', 'name', 'service', 'start_time', 'end_time']),
    );
    expect(Object.keys(doc.paths)).toEqual([
      '/v1/traces/batch',
      '/v1/traces',
      '/api/v2/spans',
      '/v1/traces/{trace_id}/complete',
    ]);
  });

  it('matches the committed docs/openapi/ingest.json (regenerate with scripts/gen-openapi.mjs)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../../docs/openapi/ingest.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
