import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { queryOpenApi } from './openapi.js';

describe('query OpenAPI document', () => {
  const doc = queryOpenApi() as {
    paths: Record<string, Record<string, { parameters?: { name: string; schema: { enum?: string[] } }[] }>>;
  };

  it('documents the parameters the zod schemas validate', () => {
    const list = doc.paths['/v1/traces']?.get?.parameters?.map((p) => p.name);
    expect(list).toEqual([
      'service',
      'start_time',
      'end_time',
      'min_duration_ms',
      'status',
      'limit',
      'cursor',
    ]);
    const window = doc.paths['/v1/topology']?.get?.parameters?.find((p) => p.name === 'time_window');
    expect(window?.schema.enum).toEqual(['1h', '6h', '24h']);
  });

  it('matches the committed docs/openapi/query.json (regenerate with scripts/gen-openapi.mjs)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../../docs/openapi/query.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
